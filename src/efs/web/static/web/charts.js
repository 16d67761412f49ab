// Charts speak Russian: numbers on axes and in tooltips with a decimal comma and a
// no-break space between thousands, whatever the browser's own language. Loaded after the
// pages' chart library (deferred scripts run in order) and before their charts are drawn.
if (window.Chart) {
  window.Chart.defaults.locale = "ru-RU";
}
