package itwin

// RedactText scrubs free text that came from the server or the network before it reaches state, diagnostics or
// logs: URLs lose their secret query values (pre-signed URLs lose all of them), and bearer credentials,
// key=value secrets and JWTs are replaced by REDACTED. The provider applies it to run and task error text, which
// the service writes freely and may quote a manifest file's pre-signed URL in.
func RedactText(s string) string { return redactText(s) }
