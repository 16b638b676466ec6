// The language switcher submits its form when a language is chosen (no inline handler: the CSP
// allows scripts from this site only). Without JavaScript, its <noscript> button does.
document.addEventListener("change", (event) => {
  if (event.target.id === "language-switcher") event.target.form.submit();
});
