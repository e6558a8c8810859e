// The login page: username and password to `POST /api/v1/login`.

import { call, ApiError } from '../api.js';
import { h, errorBox } from '../dom.js';
import { loggedIn } from '../main.js';

/** Renders the login form. */
export function render(main, { query }) {
  const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const msg = h('div', { id: 'login-msg', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', id: 'login-submit' }, 'Log in');
  const form = h('form', { class: 'login card', id: 'login-form' },
    h('h1', null, 'Apiary'),
    h('label', { for: 'username' }, 'Username'), user,
    h('label', { for: 'password' }, 'Password'), pass,
    button, msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    button.disabled = true;
    try {
      const me = await call('POST', '/api/v1/login', { username: user.value, password: pass.value });
      loggedIn(me, query.get('next'));
    } catch (e) {
      const text = e instanceof ApiError && e.status === 401 ? 'Wrong username or password.'
        : e instanceof ApiError && e.status === 429 ? 'Too many failed attempts: wait a minute and try again.'
          : e.message;
      msg.appendChild(errorBox(text));
    } finally {
      button.disabled = false;
    }
  });
  main.appendChild(form);
  user.focus();
}
