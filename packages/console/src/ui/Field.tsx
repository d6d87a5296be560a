// A labelled form control with its hint and its error (the contract's or the server's), wired for screen
// readers: the control gets an id, aria-invalid and aria-describedby; the caller renders the control itself.
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

export interface ControlProps {
  id: string;
  'aria-invalid'?: 'true';
  'aria-describedby'?: string;
}

export interface FieldProps {
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  /** Renders the control with the props that tie it to its label, hint and error. */
  children: (control: ControlProps) => ComponentChildren;
}

export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const control: ControlProps = { id };
  if (error) control['aria-invalid'] = 'true';
  if (described) control['aria-describedby'] = described;
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}</label>
      {children(control)}
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * A form's own failure (not one field's): the server's reason for refusing a save, announced as an alert.
 * Renders nothing while `message` is empty. `inline` renders it beside the form's buttons instead of above them.
 */
export function FormError({
  message,
  inline = false,
}: {
  message: string | null | undefined;
  inline?: boolean;
}) {
  if (!message) return null;
  const Tag = inline ? 'span' : 'p';
  return (
    <Tag class="form-error" role="alert">
      {message}
    </Tag>
  );
}
