// Starts GOV.UK Frontend's components (error summary focus, service navigation
// menu, character counts, and so on). The page template's nonce'd inline script
// has already added `js-enabled` and `govuk-frontend-supported` to <body>, which
// initAll() checks before doing anything. Then our own modules.
import { initAll } from './dist/govuk-frontend.min.js'
import { dropExpandedOnRadios } from './radios.js'
import { initSessionTimeout } from './session-timeout.js'

initAll()
dropExpandedOnRadios()
initSessionTimeout()
