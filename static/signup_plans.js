// The sign-up form's plan list shows only the plans of the chosen currency. A browser
// in a mainland China time zone starts on CNY unless the page says otherwise (a
// currency in the address, or a form sent back with errors): tenants/plans.py.
(function () {
  var currency = document.querySelector('select[name="currency"]');
  var plan = document.querySelector('select[name="plan"]');
  if (!currency || !plan) {
    return;
  }
  var chinaZones = ["Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "PRC"];

  function showPlansOf(code) {
    var firstShown = null;
    Array.prototype.forEach.call(plan.options, function (option) {
      var matches = option.getAttribute("data-currency") === code;
      option.hidden = !matches;
      option.disabled = !matches;
      if (matches && !firstShown) {
        firstShown = option;
      }
    });
    var selected = plan.options[plan.selectedIndex];
    if ((!selected || selected.disabled) && firstShown) {
      plan.value = firstShown.value;
    }
  }

  var chosenByPage = /[?&]currency=/.test(window.location.search) || document.querySelector(".error");
  if (!chosenByPage) {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      zone = "";
    }
    if (chinaZones.indexOf(zone) >= 0 && currency.querySelector('option[value="cny"]')) {
      currency.value = "cny";
    }
  }
  showPlansOf(currency.value);
  currency.addEventListener("change", function () {
    showPlansOf(currency.value);
  });
})();
