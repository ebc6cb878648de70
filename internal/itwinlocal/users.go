package itwinlocal

// Users: the minimal user endpoints that the creator links of iModels, changesets and named versions
// (GET /imodels/{id}/users/{userId}) and the createdBy/lastModifiedBy links of Storage items (GET /users/{id})
// point at, so that every link the server emits answers (spec §10 row 19). Each OAuth client is one user whose
// id is ClientUserID(client id).

import (
	"database/sql"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// userClient finds the configured client whose user id is uid.
func (s *Server) userClient(uid string) (*client, bool) {
	uid = NormGUID(uid)
	for _, id := range s.order {
		if clientUserID(id) == uid {
			return s.clients[id], true
		}
	}
	return nil, false
}

func userWire(cl *client) wire.User {
	return wire.User{ID: clientUserID(cl.ID), DisplayName: cl.ID, Email: cl.email}
}

// handleUserMe is GET /users/me: the caller.
func (s *Server) handleUserMe(c *rc) error {
	writeJSON(c.w, 200, wire.UserEnvelope{User: userWire(c.client)})
	return nil
}

// handleUserGet is GET /users/{id}. Users are not owned by an iTwin, so any caller may read them.
func (s *Server) handleUserGet(c *rc) error {
	cl, ok := s.userClient(c.param("id"))
	if !ok {
		return errUserNotFound
	}
	writeJSON(c.w, 200, wire.UserEnvelope{User: userWire(cl)})
	return nil
}

// handleIModelUserGet is GET /imodels/{id}/users/{userId}: the user with what it did in this iModel.
func (s *Server) handleIModelUserGet(c *rc) error {
	im, err := c.loadIModel(s.store.Reader(), c.param("id"))
	if err != nil {
		return err
	}
	cl, ok := s.userClient(c.param("userId"))
	if !ok {
		return errUserNotFound
	}
	u := userWire(cl)
	stats := &wire.UserStatistics{}
	var last sql.NullInt64
	q := s.store.Reader()
	if err := q.QueryRowContext(c.ctx, `SELECT COUNT(*), MAX(push_time) FROM changesets WHERE imodel_id = ? AND creator_id = ?`, im.ID, u.ID).
		Scan(&stats.PushedChangesetsCount, &last); err != nil {
		return err
	}
	if last.Valid {
		ts := wire.NewTimestamp(fromNanos(last.Int64))
		stats.LastChangesetPushDate = &ts
	}
	if err := q.QueryRowContext(c.ctx, `SELECT COUNT(*) FROM named_versions WHERE imodel_id = ? AND created_by = ?`, im.ID, cl.ID).
		Scan(&stats.CreatedVersionsCount); err != nil {
		return err
	}
	u.Statistics = stats
	writeJSON(c.w, 200, wire.UserEnvelope{User: u})
	return nil
}
