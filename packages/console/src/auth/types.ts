// What the console needs from a sign-in system; Supabase Auth in production, the local stack's route locally.

export interface AuthUser {
  id: string;
  email: string;
}

export interface AuthSession {
  user: AuthUser;
  /** Unix seconds. */
  expiresAt: number;
}

/** Why a sign-in step failed, in terms the sign-in page can explain (its message keys follow these codes). */
export type AuthFailureCode =
  | 'invalid_credentials'
  | 'email_not_confirmed'
  | 'user_already_exists'
  | 'user_not_found'
  | 'weak_password'
  | 'rate_limited'
  | 'signup_disabled'
  | 'link_invalid'
  | 'network'
  | 'unknown';

export class AuthFailure extends Error {
  constructor(
    readonly code: AuthFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthFailure';
  }
}

export type SessionListener = (session: AuthSession | null, event?: 'password_recovery') => void;

interface AuthCommon {
  /** Reads the kept session and any sign-in link in the URL, then reports every change to `listener`. */
  start(listener: SessionListener): Promise<void>;
  /** The current access token (refreshed when due), or null when signed out. */
  accessToken(): Promise<string | null>;
  signOut(): Promise<void>;
}

/** Supabase Auth: e-mail and password, magic link, password reset. */
export interface PasswordAuth extends AuthCommon {
  kind: 'supabase';
  signIn(email: string, password: string): Promise<void>;
  /** `confirm_email` when the project asks new users to confirm their address first. */
  signUp(email: string, password: string): Promise<'signed_in' | 'confirm_email'>;
  sendMagicLink(email: string): Promise<void>;
  sendPasswordReset(email: string): Promise<void>;
  /** After a password-reset link: the new password. */
  updatePassword(password: string): Promise<void>;
}

/** The local stack: any e-mail, or the one-time link `pnpm start` prints. */
export interface LocalAuth extends AuthCommon {
  kind: 'local';
  signInAs(email: string): Promise<void>;
}

export type Auth = PasswordAuth | LocalAuth;
