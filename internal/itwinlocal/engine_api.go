package itwinlocal

// Exported helpers for the run engine (internal/itwinlocal/engine). They wrap unexported pieces of the server so
// the engine does not duplicate them.

import "errors"

// ClientUserID is the stable GUID-shaped user id of a client: the creatorId of the changesets a connection
// owned by that client pushes (the same id the iModel creator links use).
func ClientUserID(clientID string) string { return clientUserID(clientID) }

// IsNotFound reports whether err is a store "not found" answer: ErrNotFound or a 404 APIError (GetFile,
// GetIModel, ...).
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.Is(err, ErrNotFound) || (errors.As(err, &ae) && ae.Status == 404)
}
