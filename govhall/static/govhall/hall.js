/* The hall display's spoken call (语音叫号), off until someone turns it on
   (browsers speak only after a click on the page). Each call carries
   data-announce (ticket and moment of the call or recall) and data-speech
   (the sentence); after each poll the calls not spoken yet are read out
   through the browser's speechSynthesis in Chinese. The calls on the screen
   when the page loads or speech is turned on are not read. */
(function () {
  "use strict";
  var spoken = {};
  var on = false;

  function calls() {
    return document.querySelectorAll("[data-announce]");
  }
  function markAll() {
    calls().forEach(function (row) { spoken[row.getAttribute("data-announce")] = true; });
  }
  function speak(text) {
    if (!("speechSynthesis" in window)) { return; }
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = "zh-CN";
    utterance.rate = 0.9;
    window.speechSynthesis.speak(utterance);
  }
  document.addEventListener("DOMContentLoaded", markAll);
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-speech-toggle]") : null;
    if (!button) { return; }
    on = !on;
    markAll();
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? button.getAttribute("data-off-label") || "关闭语音叫号" : button.getAttribute("data-on-label") || "开启语音叫号";
    if (on) { speak(""); }  /* unlocks speech in browsers that need a gesture */
  });
  document.addEventListener("htmx:afterSwap", function () {
    var fresh = [];
    calls().forEach(function (row) {
      var key = row.getAttribute("data-announce");
      if (!spoken[key]) { spoken[key] = true; fresh.push(row.getAttribute("data-speech")); }
    });
    if (on) { fresh.reverse().forEach(function (text) { speak(text); speak(text); }); }
  });
})();
