// The place in a keyboard-driven list (the inbox, the report queue), kept across the reload a
// decision causes. Session storage may be switched off: then the list starts at the top.
(function () {
  "use strict";

  window.queuePosition = {
    remember: function (key, index) {
      try {
        window.sessionStorage.setItem(key, String(Math.max(index, 0)));
      } catch (e) {
        /* nothing to restore then */
      }
    },
    // the remembered index (once: it is forgotten as it is read), or null
    take: function (key) {
      var stored = null;
      try {
        stored = window.sessionStorage.getItem(key);
        window.sessionStorage.removeItem(key);
      } catch (e) {
        return null;
      }
      return stored !== null && /^[0-9]+$/.test(stored) ? parseInt(stored, 10) : null;
    },
  };
})();
