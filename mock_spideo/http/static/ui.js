// mock Spideo's UI: the live feed, the detail panel and the controls. No build step and
// no dependency; every page works without it, except what changes the mock.
(() => {
  "use strict";

  // Every call to the admin API goes through here: the one place to add credentials.
  async function admin(method, path, body) {
    const options = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = body;
    }
    const response = await fetch(`/__admin${path}`, options);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(data.message || `${response.status} ${response.statusText}`);
    }
    return data;
  }

  let lastAnnounced = 0;
  function announce(text, urgent = false) {
    const region = document.getElementById("announce");
    const now = Date.now();
    if (!region || (!urgent && now - lastAnnounced < 5000)) return; // not a chatterbox
    lastAnnounced = now;
    region.textContent = text;
  }

  // --- the live feed ------------------------------------------------------------------
  function liveFeed(table) {
    const rows = document.getElementById("feed-rows");
    const status = document.getElementById("live-status");
    const pause = document.getElementById("pause");
    const empty = document.getElementById("feed-empty");
    const limit = Number(table.dataset.limit) || 50;
    let latest = table.dataset.latest;
    let source = null;

    function clear() {
      rows.replaceChildren();
      empty.hidden = false;
    }

    function keepOlderLink() {
      const last = rows.rows[rows.rows.length - 1];
      if (!last) return;
      let older = document.querySelector('.pager a[rel="next"]');
      if (!older) {
        older = document.createElement("a");
        older.rel = "next";
        older.textContent = "Older";
        document.querySelector(".pager").append(older);
      }
      const url = new URL(location.href);
      url.searchParams.set("before", last.dataset.id);
      url.searchParams.delete("after");
      older.href = url.pathname + url.search;
    }

    function connect() {
      const url = new URL(table.dataset.events, location.href);
      url.searchParams.set("after", latest);
      source = new EventSource(url);
      source.addEventListener("rows", (event) => {
        const data = JSON.parse(event.data);
        latest = data.latest;
        const template = document.createElement("template");
        template.innerHTML = data.html;
        const fresh = [...template.content.querySelectorAll("tr")];
        fresh.forEach((tr) => tr.classList.add("new"));
        rows.prepend(...fresh);
        let trimmed = false;
        while (rows.rows.length > limit) {
          rows.deleteRow(-1);
          trimmed = true;
        }
        if (trimmed) keepOlderLink();
        empty.hidden = true;
        const more = data.skipped ? ` and ${data.skipped} more (see Older)` : "";
        status.textContent = `${data.count} new${more}, last at ${new Date().toLocaleTimeString()}.`;
        announce(`${data.count} new request${data.count === 1 ? "" : "s"}`);
      });
      source.addEventListener("reset", () => {
        latest = 0;
        clear();
        status.textContent = "The journal was reset.";
        announce("The journal was reset", true);
      });
      source.addEventListener("busy", (event) => {
        status.textContent = `Live updates wait: ${event.data} tabs already follow the feed.`;
      });
      source.addEventListener("failed", (event) => {
        status.textContent = JSON.parse(event.data);
        source.close();
      });
      source.addEventListener("error", () => {
        if (source.readyState === EventSource.CLOSED) {
          status.textContent = "Live updates stopped: is the mock still running? Reload to retry.";
        }
      });
    }

    pause.addEventListener("click", () => {
      const paused = pause.getAttribute("aria-pressed") === "true";
      // A toggle button: its name stays, aria-pressed says whether it is on.
      if (paused) {
        connect();
        pause.setAttribute("aria-pressed", "false");
        status.textContent = "Live: new requests appear at the top.";
      } else {
        source.close();
        pause.setAttribute("aria-pressed", "true");
        status.textContent = "Paused: new requests wait until you press the button again.";
      }
    });
    document.addEventListener("journal-reset", () => {
      latest = 0;
      clear();
    });
    connect();
  }

  // --- the detail panel ---------------------------------------------------------------
  function detailPanel(aside) {
    const layout = document.getElementById("layout");
    let opener = null;

    function close() {
      aside.hidden = true;
      layout.classList.remove("with-detail");
      document.querySelectorAll("#feed tr.selected").forEach((tr) => tr.classList.remove("selected"));
      if (opener && document.contains(opener)) opener.focus();
    }

    document.addEventListener("click", async (event) => {
      const link = event.target.closest("a.request-link");
      if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      if (!aside.contains(link)) opener = link;
      const url = new URL(link.href);
      url.searchParams.set("panel", "1");
      const response = await fetch(url);
      const body = response.ok
        ? await response.text()
        : '<p class="error" role="alert">This request is no longer in the journal.</p>';
      aside.innerHTML = '<button type="button" class="close">Close <span class="visually-hidden">the request detail</span></button>' + body;
      aside.hidden = false;
      layout.classList.add("with-detail");
      document.querySelectorAll("#feed tr.selected").forEach((tr) => tr.classList.remove("selected"));
      link.closest("tr")?.classList.add("selected");
      (aside.querySelector("h2") || aside.querySelector(".close")).focus();
    });
    aside.addEventListener("click", (event) => {
      if (event.target.closest(".close")) close();
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !aside.hidden) close();
    });
  }

  // --- the controls -------------------------------------------------------------------
  function showResult(text, failed = false) {
    const place = document.getElementById("control-result") || document.getElementById("live-status");
    if (place) {
      place.textContent = text;
      place.classList.toggle("error", failed);
    }
    announce(text, true);
  }

  function showFaults(faults) {
    const body = document.querySelector("#faults tbody");
    if (!body) return;
    body.replaceChildren();
    for (const fault of faults) {
      const row = body.insertRow();
      row.insertCell().textContent = fault.name;
      const rule = row.insertCell();
      rule.className = "mono";
      rule.textContent = JSON.stringify(fault);
      const fired = row.insertCell();
      fired.className = "num";
      fired.textContent = fault.fired;
    }
    if (!faults.length) {
      const cell = body.insertRow().insertCell();
      cell.colSpan = 3;
      cell.textContent = "No fault is set: the mock answers normally.";
    }
  }

  const actions = {
    async reset() {
      if (!window.confirm("Forget every request, interaction, user property, problem, catalog and fault?")) return;
      await admin("POST", "/reset");
      document.dispatchEvent(new Event("journal-reset"));
      showFaults([]);
      showResult("The journal was reset.");
    },
    async "clear-faults"() {
      const data = await admin("DELETE", "/faults");
      showFaults(data.faults);
      showResult("Faults cleared.");
    },
  };

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-admin]");
    if (!button) return;
    try {
      await actions[button.dataset.admin]();
    } catch (error) {
      showResult(error.message, true);
    }
  });

  function faultForm(form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = form.elements.rules.value;
      try {
        JSON.parse(text);
      } catch (error) {
        showResult(`Not JSON: ${error.message}`, true);
        return;
      }
      try {
        const data = await admin("POST", "/faults", text);
        showFaults(data.faults);
        showResult(`${data.faults.length} fault${data.faults.length === 1 ? "" : "s"} set.`);
      } catch (error) {
        showResult(error.message, true);
      }
    });
  }

  // --- the filters: empty fields stay out of the URL --------------------------------
  function filterForm(form) {
    form.addEventListener("submit", () => {
      for (const field of form.elements) {
        if (field.name && !field.value) field.disabled = true;
      }
    });
    window.addEventListener("pageshow", () => {
      for (const field of form.elements) field.disabled = false;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const table = document.getElementById("feed");
    if (table && table.dataset.live === "on") liveFeed(table);
    const aside = document.getElementById("detail");
    if (aside) detailPanel(aside);
    const faults = document.getElementById("fault-form");
    if (faults) faultForm(faults);
    const filters = document.getElementById("filters");
    if (filters) filterForm(filters);
  });
})();
