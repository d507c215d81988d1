// The warning a minute before the session ends (tracker/accounts/sessions.py).
// The page knows how long the session had left when it was made; when the warning is
// due it asks the server again (GET /session/, which does not count as activity),
// since another tab may have kept the session going.  "Stay signed in" posts to
// /session/keep-alive/, which does.  Once the server says the session is over, the
// page goes to the sign-in page, which says why, and comes back here after signing in.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("session-warning");
  if (!box) {
    return;
  }
  const warningMs = Number(box.dataset.warningSeconds) * 1000;
  // setTimeout fires at once for a delay past 2^31 - 1 ms (about 24 days).
  const longestDelay = 2 ** 31 - 1;
  const stayButton = box.querySelector("[data-stay-signed-in]");
  let endsAt = 0;
  let timer = null;
  let ticker = null;

  const later = (callback, ms) => {
    clearTimeout(timer);
    timer = setTimeout(callback, Math.min(Math.max(ms, 0), longestDelay));
  };

  const signedOut = () => {
    const here = window.location.pathname + window.location.search;
    window.location.assign(`${box.dataset.loginUrl}?next=${encodeURIComponent(here)}`);
  };

  const showCountdown = () => {
    const seconds = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
    const text = `${seconds} second${seconds === 1 ? "" : "s"}`;
    for (const span of box.querySelectorAll("[data-countdown]")) {
      span.textContent = text;
    }
  };

  const show = (because) => {
    const absolute = because === "absolute";
    box.querySelector("[data-when='idle']").hidden = absolute;
    box.querySelector("[data-when='absolute']").hidden = !absolute;
    // Nothing extends a session past its limit in all.
    stayButton.hidden = absolute;
    showCountdown();
    if (box.hidden) {
      box.hidden = false;
      ticker = setInterval(showCountdown, 1000);
    }
  };

  const hide = () => {
    box.hidden = true;
    clearInterval(ticker);
  };

  // The session's clock from the server: an object, null once signed out, or
  // undefined when the server could not be reached.
  const ask = async (url, options = {}) => {
    let response;
    try {
      response = await fetch(url, {
        ...options,
        credentials: "same-origin",
        redirect: "manual",
        headers: { Accept: "application/json", ...options.headers },
      });
    } catch {
      return undefined;
    }
    if (response.ok) {
      return response.json();
    }
    // A signed-out request is sent to the sign-in page.
    return response.type === "opaqueredirect" || response.status === 403 ? null : undefined;
  };

  const follow = (clock) => {
    if (clock === null) {
      signedOut();
      return;
    }
    if (clock === undefined) {
      // Offline or a server error: past the end the server has signed the session
      // out anyway, and the page must not stay on screen; before it, try again soon.
      if (Date.now() >= endsAt) {
        signedOut();
      } else {
        later(check, Math.min(endsAt - Date.now(), 5000));
      }
      return;
    }
    endsAt = Date.now() + clock.ends_in * 1000;
    if (endsAt - Date.now() > warningMs) {
      hide();
      later(check, endsAt - Date.now() - warningMs);
    } else {
      show(clock.ends_because);
      // Ask again just after the end: the server signs the session out then.
      later(check, endsAt - Date.now() + 1000);
    }
  };

  const check = async () => follow(await ask(box.dataset.statusUrl));

  stayButton.addEventListener("click", async () => {
    follow(
      await ask(box.dataset.keepAliveUrl, {
        method: "POST",
        headers: { "X-CSRFToken": box.dataset.csrfToken },
      }),
    );
  });

  follow({ ends_in: Number(box.dataset.endsIn), ends_because: box.dataset.endsBecause });
});
