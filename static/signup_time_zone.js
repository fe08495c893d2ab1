// The sign-up form's hidden time_zone field: the browser's IANA zone (e.g. "Asia/Shanghai"),
// so that the company's dates and times are local from the first day. Without it the
// server picks Asia/Shanghai for a Chinese page, else UTC (tenants/time_zones.py).
(function () {
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }
  document.querySelectorAll('input[type="hidden"][name="time_zone"]').forEach(function (input) {
    if (!input.value) {
      input.value = zone;
    }
  });
})();
