// GOV.UK Frontend marks a radio that reveals a further question with aria-expanded,
// which ARIA does not allow on role="radio" (axe: aria-allowed-attr, WCAG 4.1.2).
// The revealed question follows its radio in reading order, so nothing is lost by
// dropping the attribute, here and whenever the component sets it again.

export function dropExpandedOnRadios (root = document) {
  const radios = root.querySelectorAll('.govuk-radios__input[aria-controls], .govuk-radios__input[data-aria-controls]')
  if (!radios.length) return
  const drop = (input) => input.removeAttribute('aria-expanded')
  const observer = new MutationObserver((records) => records.forEach((record) => drop(record.target)))
  radios.forEach((input) => {
    drop(input)
    observer.observe(input, { attributes: true, attributeFilter: ['aria-expanded'] })
  })
}
