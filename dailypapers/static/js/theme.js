// Runs in <head> so the chosen theme applies before first paint. Without JS the system theme is used.
(function () {
  try {
    var theme = localStorage.getItem("dailypapers-theme");
    if (theme === "light" || theme === "dark") document.documentElement.setAttribute("data-theme", theme);
  } catch (e) { /* storage unavailable: follow the system theme */ }
})();
