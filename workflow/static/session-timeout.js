// Warns before the session times out, and lets the person stay signed in.
//
// A page that has a form worth keeping carries
//   <meta name="session-timeout" content="SECONDS" data-warn-seconds="SECONDS"
//         data-extend-url="/session/extend">
//   <meta name="csrf-token" content="...">
// The warning is a modal <dialog role="alertdialog">; focus moves to it, and
// "Stay signed in" (or Escape) posts to the extend URL with the CSRF token in
// the X-CSRFToken header, then starts the clock again. If the session ends
// anyway, the page says so: saving then keeps the answers through signing in.

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`

function minutesText (seconds) {
  const minutes = Math.max(1, Math.round(seconds / 60))
  return plural(minutes, 'minute')
}

function buildDialog () {
  const dialog = document.createElement('dialog')
  dialog.className = 'app-timeout'
  dialog.setAttribute('role', 'alertdialog')
  dialog.setAttribute('aria-modal', 'true')
  dialog.setAttribute('aria-labelledby', 'app-timeout-title')
  dialog.setAttribute('aria-describedby', 'app-timeout-text')
  dialog.tabIndex = -1

  const title = document.createElement('h2')
  title.className = 'govuk-heading-m'
  title.id = 'app-timeout-title'

  const text = document.createElement('p')
  text.className = 'govuk-body'
  text.id = 'app-timeout-text'

  const button = document.createElement('button')
  button.type = 'button'
  button.className = 'govuk-button app-timeout__button'
  button.textContent = 'Stay signed in'

  dialog.append(title, text, button)
  document.body.append(dialog)
  return { dialog, title, text, button }
}

export function initSessionTimeout (doc = document) {
  const meta = doc.querySelector('meta[name="session-timeout"]')
  const csrf = doc.querySelector('meta[name="csrf-token"]')
  if (!meta || !csrf) return null
  const timeout = Number(meta.content)
  const warnBefore = Number(meta.dataset.warnSeconds || 300)
  const extendUrl = meta.dataset.extendUrl
  if (!(timeout > 0) || !extendUrl || typeof HTMLDialogElement === 'undefined') return null

  const parts = buildDialog()
  let warnTimer = null
  let endTimer = null
  let returnFocus = null
  let ended = false

  const close = () => {
    if (parts.dialog.open) parts.dialog.close()
    if (returnFocus && returnFocus.isConnected) returnFocus.focus()
  }

  const showEnded = () => {
    ended = true
    parts.title.textContent = 'Your session has ended'
    parts.text.textContent = 'You have been signed out because you did nothing for a while. ' +
      'Nothing you typed is lost: save this page, sign in again, and your answers will be put back for you to save.'
    parts.button.textContent = 'Continue'
  }

  const schedule = () => {
    clearTimeout(warnTimer)
    clearTimeout(endTimer)
    warnTimer = setTimeout(warn, Math.max(0, timeout - warnBefore) * 1000)
    endTimer = setTimeout(showEnded, timeout * 1000)
  }

  function warn () {
    ended = false
    parts.title.textContent = 'You will be signed out soon'
    parts.text.textContent = `To protect your information, you will be signed out in ${minutesText(Math.min(warnBefore, timeout))} ` +
      'if you do nothing. Any answers you have not saved will be kept for you if that happens.'
    parts.button.textContent = 'Stay signed in'
    returnFocus = doc.activeElement
    if (!parts.dialog.open) parts.dialog.showModal()
    parts.dialog.focus()
  }

  async function stay () {
    if (ended) {
      close()
      return
    }
    parts.button.disabled = true
    try {
      const response = await fetch(extendUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRFToken': csrf.content, Accept: 'application/json' }
      })
      if (!response.ok) throw new Error(String(response.status))
      schedule()
      close()
    } catch (error) {
      parts.title.textContent = 'You could not be kept signed in'
      parts.text.textContent = 'Save this page now. If you are asked to sign in again, your answers will be put back for you to save.'
      ended = true
      parts.button.textContent = 'Continue'
    } finally {
      parts.button.disabled = false
    }
  }

  parts.button.addEventListener('click', stay)
  parts.dialog.addEventListener('cancel', (event) => {
    event.preventDefault()
    stay()
  })
  schedule()
  return { warn, stay, dialog: parts.dialog }
}
