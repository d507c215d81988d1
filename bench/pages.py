"""Reading the app's pages as a browser would, with the standard library only.

The load test posts each form with what the page offers (the defaults the form
filled in), the way a nurse who accepts them would; so a change to a form's
fields does not break the load test.
"""

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({})
        if not self.forms or ("name" not in a and tag in ("input", "select", "textarea")):
            return
        fields = self.forms[-1]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    fields[a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select, self._first_option = a["name"], None
            fields.setdefault(a["name"], "")
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if "selected" in a:
                fields[self._select] = value
        elif tag == "textarea":
            self._textarea = a["name"]
            fields[a["name"]] = ""

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str, having: str) -> dict[str, str]:
    """The values the first form with a field named `having` would send as it stands."""
    parser = _Forms()
    parser.feed(html)
    for fields in parser.forms:
        if having in fields:
            return dict(fields)
    return {}


def select_options(html: str, name: str) -> list[str]:
    """The non-empty values offered by the select called `name`."""
    parser = _Options(name)
    parser.feed(html)
    return parser.values


class _Options(HTMLParser):
    def __init__(self, name: str):
        super().__init__(convert_charrefs=True)
        self.name, self.values, self._inside = name, [], False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "select":
            self._inside = a.get("name") == self.name
        elif tag == "option" and self._inside and a.get("value"):
            self.values.append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._inside = False
