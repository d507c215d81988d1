"""The fields of a page's POST form, read from its HTML as a browser would submit them."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Fields the browser sends that the fuzz leaves alone: the test client skips CSRF checks.
IGNORED = {"csrfmiddlewaretoken"}


@dataclass
class Field:
    name: str
    kind: str  # the input type, "select", or "textarea"
    value: str = ""  # what the page filled in (a hidden input's value, a ticked box's)
    options: list[str] = field(default_factory=list)  # a select's values, a radio group's


@dataclass
class Form:
    action: str
    fields: dict[str, Field] = field(default_factory=dict)

    def add(self, name: str, kind: str, value: str = "") -> Field:
        if name in IGNORED:
            return Field(name, kind)
        found = self.fields.get(name)
        if found is None:
            found = self.fields[name] = Field(name, kind, value)
        if kind in ("radio", "checkbox") and value and value not in found.options:
            found.options.append(value)
        return found


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post" or "hx-post" in a:
                action = a.get("action") or a.get("hx-post") or self.page_path
                self.current = Form(urlsplit(action).path or self.page_path)
                self.forms.append(self.current)
            return
        if self.current is None or not a.get("name"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                if kind == "submit" and a.get("value"):
                    self.current.add(a["name"], "submit", a["value"])
                return
            self.current.add(a["name"], kind, a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "button" and a.get("type", "submit") == "submit":
            self.current.add(a["name"], "submit", a.get("value", ""))
        elif tag == "select":
            self.select = self.current.add(a["name"], "select")
        elif tag == "option" and self.select is not None:
            self.select.options.append(a.get("value", ""))
        elif tag == "textarea":
            self.textarea = self.current.add(a["name"], "textarea")

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def post_forms(html: str, page_path: str) -> list[Form]:
    """Every form on the page that posts, with the path it posts to."""
    parser = _FormParser(page_path)
    parser.feed(html)
    return parser.forms


def form_posting_to(html: str, page_path: str, path: str) -> Form | None:
    """The page's form that posts to `path`, its fields merged if several do."""
    found = [form for form in post_forms(html, page_path) if form.action == path]
    if not found:
        return None
    merged = Form(path)
    for form in found:
        for name, each in form.fields.items():
            merged.fields.setdefault(name, each)
    return merged
