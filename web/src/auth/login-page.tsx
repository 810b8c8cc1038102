import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';

import { ApiError } from '../api/api-error';
import type { RegisterRequest } from '../api-types';
import { useServices } from './session-context';

export const REGISTRATION_DISABLED = 'REGISTRATION_DISABLED';
const REGISTRATION_OFF_KEY = 'tickstream.registrationDisabled';

function readRegistrationOff(): boolean {
  try {
    return window.sessionStorage.getItem(REGISTRATION_OFF_KEY) === '1';
  } catch {
    return false;
  }
}

function rememberRegistrationOff(): void {
  try {
    window.sessionStorage.setItem(REGISTRATION_OFF_KEY, '1');
  } catch {
    // Not remembered across reloads; the next attempt will tell again.
  }
}

/** What to tell the person about a failed sign-in or sign-up. */
export function authErrorMessage(error: unknown, mode: 'login' | 'register'): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Try again.';
  if (error.isNetwork) return 'The server cannot be reached. Check the connection and try again.';
  if (mode === 'login' && error.status === 401) return 'Wrong username or password.';
  if (error.status === 429) return 'Too many attempts. Wait a moment and try again.';
  if (error.status >= 500) return 'The server had a problem. Try again in a moment.';
  return error.message || 'The request was refused.';
}

type Mode = 'login' | 'register';

export function LoginPage() {
  const { session } = useServices();
  const id = useId();
  const [mode, setMode] = useState<Mode>('login');
  const [registrationOff, setRegistrationOff] = useState(readRegistrationOff);
  const [offNotice, setOffNotice] = useState(false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');

  const login = useMutation({
    mutationFn: (input: { username: string; password: string }) =>
      session.login(input.username, input.password),
  });
  const register = useMutation({
    mutationFn: (input: RegisterRequest) => session.register(input),
    onError: (error) => {
      if (error instanceof ApiError && error.code === REGISTRATION_DISABLED) {
        rememberRegistrationOff();
        setRegistrationOff(true);
        setOffNotice(true);
        setMode('login');
      }
    },
  });

  const pending = login.isPending || register.isPending;
  const activeError = mode === 'login' ? login.error : register.error;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (pending) return;
    if (mode === 'login') {
      login.mutate({ username: username.trim(), password });
    } else {
      const input: RegisterRequest = { username: username.trim(), email: email.trim(), password };
      if (firstName.trim()) input.firstName = firstName.trim();
      if (lastName.trim()) input.lastName = lastName.trim();
      register.mutate(input);
    }
  };

  const switchMode = (next: Mode) => {
    login.reset();
    register.reset();
    setOffNotice(false);
    setMode(next);
  };

  const notice = session.notice;

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-labelledby={`${id}-title`}>
        <div className="brand brand-large" aria-hidden="true">
          <span className="brand-mark" />
          tickstream
        </div>
        <h1 id={`${id}-title`}>{mode === 'login' ? 'Sign in' : 'Create an account'}</h1>
        {notice && mode === 'login' && !activeError && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        {offNotice && (
          <p className="notice" role="status">
            Sign-up is turned off on this server. Ask an administrator for an account.
          </p>
        )}

        <label htmlFor={`${id}-username`}>Username</label>
        <input
          id={`${id}-username`}
          name="username"
          autoComplete="username"
          required
          minLength={mode === 'register' ? 3 : undefined}
          maxLength={50}
          value={username}
          onChange={(event) => setUsername(event.target.value)}
          autoFocus
        />

        {mode === 'register' && (
          <>
            <label htmlFor={`${id}-email`}>Email</label>
            <input
              id={`${id}-email`}
              name="email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
            <div className="field-row">
              <div>
                <label htmlFor={`${id}-first`}>First name (optional)</label>
                <input
                  id={`${id}-first`}
                  name="firstName"
                  autoComplete="given-name"
                  value={firstName}
                  onChange={(event) => setFirstName(event.target.value)}
                />
              </div>
              <div>
                <label htmlFor={`${id}-last`}>Last name (optional)</label>
                <input
                  id={`${id}-last`}
                  name="lastName"
                  autoComplete="family-name"
                  value={lastName}
                  onChange={(event) => setLastName(event.target.value)}
                />
              </div>
            </div>
          </>
        )}

        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
          required
          minLength={mode === 'register' ? 8 : undefined}
          maxLength={128}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {mode === 'register' && <p className="hint">8 to 128 characters.</p>}

        {activeError && (
          <p className="error" role="alert">
            {authErrorMessage(activeError, mode)}
          </p>
        )}

        <button type="submit" className="primary" disabled={pending}>
          {pending ? 'Please wait…' : mode === 'login' ? 'Sign in' : 'Create account'}
        </button>

        {mode === 'login' && !registrationOff && (
          <p className="switch">
            No account yet?{' '}
            <button type="button" className="link" onClick={() => switchMode('register')}>
              Create one
            </button>
          </p>
        )}
        {mode === 'register' && (
          <p className="switch">
            Have an account?{' '}
            <button type="button" className="link" onClick={() => switchMode('login')}>
              Sign in
            </button>
          </p>
        )}
      </form>
    </main>
  );
}
