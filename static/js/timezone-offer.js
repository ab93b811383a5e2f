// Offer an anonymous visitor their browser's time zone (issue 11). It only offers: the times on
// the page change when the visitor presses the button, which sends the footer's own zone form.
// The server renders the offer's container only when no zone was chosen yet (no cookie, not
// signed in), so a choice is never overridden. No inline code: loaded with the page's CSP nonce.
(function () {
  "use strict";
  var box = document.getElementById("tz-offer");
  var form = document.querySelector("form.tz-form");
  if (!box || !form || !window.Intl || !Intl.DateTimeFormat) return;
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  var shown = box.getAttribute("data-current") || "UTC";
  if (!zone || zone === shown) return;
  var known = document.querySelector('#tz-names option[value="' + zone.replace(/"/g, "") + '"]');
  if (!known && !/^[A-Za-z]+\/[A-Za-z0-9_+\-\/]+$/.test(zone)) return;
  var text = document.createElement("span");
  text.textContent = "Times are shown in " + shown + ". Your browser is set to " + zone + ". ";
  var use = document.createElement("button");
  use.type = "button";
  use.className = "small";
  use.textContent = "Show times in " + zone;
  use.addEventListener("click", function () {
    form.querySelector('input[name="timezone"]').value = zone;
    form.submit();
  });
  var dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.className = "small secondary";
  dismiss.textContent = "Keep " + shown;
  dismiss.addEventListener("click", function () {
    form.querySelector('input[name="timezone"]').value = shown;
    form.submit(); // remembers the choice, so the offer does not come back
  });
  box.appendChild(text);
  box.appendChild(use);
  box.appendChild(document.createTextNode(" "));
  box.appendChild(dismiss);
  box.hidden = false;
})();
