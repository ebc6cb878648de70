package itwinlocal

// iTwins (§9.2 of internal/wire/testdata/spec/api.md): handlers, and the access check every platform handler uses.
// iModels and changesets are in imodels.go.

import (
	"database/sql"
	"strconv"
	"strings"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// access answers 403 unless the caller may access the iTwin (§11o).
func (c *rc) access(itwinID string) error {
	ok, err := c.s.hasAccess(c.ctx, c.client, itwinID)
	if err != nil {
		return err
	}
	if !ok {
		return errInsufficientPermissions
	}
	return nil
}

// --- iTwins ---

func itwinCreateDefaults(name string) wire.ITwin {
	return wire.ITwin{Class: "Endeavor", SubClass: "Project", DisplayName: name, Status: "Active"}
}

var itwinClasses = map[string]bool{"Thing": true, "Account": true, "Endeavor": true}

// decodeITwinCreate validates a POST /itwins body.
func decodeITwinCreate(body []byte) (wire.ITwin, error) {
	var in wire.ITwin
	if _, err := decodeObject(body, famITwins, &in); err != nil {
		return in, err
	}
	in.ID, in.CreatedBy, in.CreatedDateTime, in.ITwinAccountID = "", "", wire.Timestamp{}, ""
	switch {
	case in.Class == "":
		return in, validation(famITwins, detailMissing, "class", "")
	case !itwinClasses[in.Class]:
		return in, validation(famITwins, detailInvalid, "class", "class must be Thing, Account or Endeavor.")
	case in.SubClass == "":
		return in, validation(famITwins, detailMissing, "subClass", "")
	case strings.TrimSpace(in.DisplayName) == "":
		return in, validation(famITwins, detailMissing, "displayName", "")
	case len(in.DisplayName) > 255:
		return in, validation(famITwins, detailInvalid, "displayName", "displayName must be at most 255 characters.")
	case in.ParentID != "" && !IsGUID(in.ParentID):
		return in, validation(famITwins, detailInvalid, "parentId", "")
	}
	return in, nil
}

func (s *Server) handleITwinCreate(c *rc) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeITwinCreate(body)
	if err != nil {
		return err
	}
	var out wire.ITwin
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.store.createITwin(c.ctx, tx, in, c.client.ID)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 201, wire.ITwinEnvelope{ITwin: itwinWire(out)})
	return nil
}

func (s *Server) handleITwinGet(c *rc) error {
	id := c.param("id")
	if !IsGUID(id) {
		return errITwinNotFound
	}
	it, err := s.store.GetITwin(c.ctx, s.store.Reader(), id)
	if err != nil {
		return err
	}
	if err := c.access(it.ID); err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.ITwinEnvelope{ITwin: itwinWire(it)})
	return nil
}

// itwinWire is the answer form of a stored iTwin: createdBy names the creating client's user id (the stored body
// keeps the client id), so that it is the GUID the iTwins API sends.
func itwinWire(it wire.ITwin) wire.ITwin {
	if it.CreatedBy != "" && !IsGUID(it.CreatedBy) {
		it.CreatedBy = clientUserID(it.CreatedBy)
	}
	return it
}

var itwinStatuses = map[string]bool{wire.ITwinStatusActive: true, wire.ITwinStatusInactive: true, wire.ITwinStatusTrial: true}

// handleITwinList is GET /itwins (spec §9.2): the caller's iTwins, filtered and paged. The header
// X-Itwin-Query-Scope is ignored.
func (s *Server) handleITwinList(c *rc) error {
	p, err := parsePage(c.r, famITwins)
	if err != nil {
		return err
	}
	var filters [][2]string
	type match struct {
		get  func(wire.ITwin) string
		want string
		eq   func(a, b string) bool
	}
	var matches []match
	exact := func(a, b string) bool { return a == b }
	for _, f := range []struct {
		name string
		get  func(wire.ITwin) string
		eq   func(a, b string) bool
		guid bool
	}{
		// Class-like values compare case-insensitively, names and numbers exactly, GUIDs in any case (spec §1.4).
		{"subClass", func(i wire.ITwin) string { return i.SubClass }, strings.EqualFold, false},
		{"type", func(i wire.ITwin) string { return i.Type }, exact, false},
		{"status", func(i wire.ITwin) string { return i.Status }, strings.EqualFold, false},
		{"displayName", func(i wire.ITwin) string { return i.DisplayName }, exact, false},
		{"number", func(i wire.ITwin) string { return i.Number }, exact, false},
		{"parentId", func(i wire.ITwin) string { return i.ParentID }, strings.EqualFold, true},
		{"iTwinAccountId", func(i wire.ITwin) string { return i.ITwinAccountID }, strings.EqualFold, true},
	} {
		v, ok := query(c.r, f.name)
		if !ok {
			continue
		}
		if f.guid && !IsGUID(v) {
			return validation(famITwins, detailInvalid, f.name, "")
		}
		if f.name == "status" && !itwinStatuses[canonicalStatus(v)] {
			return validation(famITwins, detailInvalid, "status", "status must be Active, Inactive or Trial.")
		}
		matches = append(matches, match{f.get, v, f.eq})
		filters = append(filters, [2]string{f.name, v})
	}
	includeInactive := false
	if v, ok := query(c.r, "includeInactive"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return validation(famITwins, detailInvalid, "includeInactive", "includeInactive must be true or false.")
		}
		includeInactive = b
		filters = append(filters, [2]string{"includeInactive", strconv.FormatBool(b)})
	}
	// An explicit status filter names the iTwins wanted, inactive ones included.
	if v, ok := query(c.r, "status"); ok && strings.EqualFold(v, wire.ITwinStatusInactive) {
		includeInactive = true
	}
	search, hasSearch := query(c.r, "$search")
	if hasSearch {
		filters = append(filters, [2]string{"$search", search})
	}
	all, err := s.store.listITwins(c.ctx, s.store.Reader())
	if err != nil {
		return err
	}
	var sel []wire.ITwin
	for _, it := range all {
		if !includeInactive && it.Status == wire.ITwinStatusInactive {
			continue
		}
		if hasSearch && !containsFold(it.DisplayName, search) && !containsFold(it.Number, search) {
			continue
		}
		keep := true
		for _, m := range matches {
			if !m.eq(m.get(it), m.want) {
				keep = false
				break
			}
		}
		if !keep {
			continue
		}
		ok, err := s.hasAccess(c.ctx, c.client, it.ID)
		if err != nil {
			return err
		}
		if ok {
			sel = append(sel, it)
		}
	}
	out := wire.ITwinList{ITwins: []wire.ITwin{}, Minimal: !representation(c.r)}
	for i := p.Skip; i < len(sel) && i < p.Skip+p.Top; i++ {
		out.ITwins = append(out.ITwins, itwinWire(sel[i]))
	}
	out.Links = pageLinks(c.origin()+"/itwins", filters, p, p.Skip+p.Top < len(sel))
	writeJSON(c.w, 200, out)
	return nil
}

// canonicalStatus spells a status the way the API does (Active, Inactive, Trial), whatever the input case.
func canonicalStatus(v string) string {
	for st := range itwinStatuses {
		if strings.EqualFold(st, v) {
			return st
		}
	}
	return v
}

// itwinReadOnly are the fields a PATCH may not change (spec §9.2).
var itwinReadOnly = []string{"class", "subClass"}

// decodeITwinUpdate validates a PATCH /itwins/{id} body (merge): absent fields keep their value, null clears the
// optional ones (type, number, ianaTimeZone, geographicLocation, parentId). class and subClass are read-only.
func decodeITwinUpdate(body []byte) (wire.ITwinUpdate, error) {
	var in wire.ITwinUpdate
	keys, err := decodeObject(body, famITwins, &in)
	if err != nil {
		return in, err
	}
	for _, f := range itwinReadOnly {
		if _, has := keys[strings.ToLower(f)]; has {
			return in, validation(famITwins, detailInvalid, f, f+" is read-only: it cannot change after the iTwin is created.")
		}
	}
	if _, has := keys["displayname"]; has {
		switch {
		case in.DisplayName == nil:
			return in, validation(famITwins, detailInvalid, "displayName", "displayName cannot be null.")
		case strings.TrimSpace(*in.DisplayName) == "":
			return in, validation(famITwins, detailInvalid, "displayName", "displayName cannot be empty.")
		case len(*in.DisplayName) > 255:
			return in, validation(famITwins, detailInvalid, "displayName", "displayName must be at most 255 characters.")
		}
	}
	if _, has := keys["status"]; has && (in.Status == nil || !itwinStatuses[*in.Status]) {
		return in, validation(famITwins, detailInvalid, "status", "status must be Active, Inactive or Trial.")
	}
	if _, has := keys["datacenterlocation"]; has && (in.DataCenterLocation == nil || strings.TrimSpace(*in.DataCenterLocation) == "") {
		return in, validation(famITwins, detailInvalid, "dataCenterLocation", "dataCenterLocation cannot be cleared.")
	}
	if v := in.ParentID.Value; v != nil && *v != "" && !IsGUID(*v) {
		return in, validation(famITwins, detailInvalid, "parentId", "parentId must be the GUID of an iTwin.")
	}
	return in, nil
}

// applyOptional sets *dst from a PATCH field: absent keeps it, null or "" clears it.
func applyOptional(dst *string, o wire.Optional[string]) {
	if !o.Set {
		return
	}
	*dst = ""
	if o.Value != nil {
		*dst = *o.Value
	}
}

func (s *Server) handleITwinPatch(c *rc) error {
	id := c.param("id")
	if !IsGUID(id) {
		return errITwinNotFound
	}
	// 404 and 403 come before the body is looked at.
	it, err := s.store.GetITwin(c.ctx, s.store.Reader(), id)
	if err != nil {
		return err
	}
	if err := c.access(it.ID); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeITwinUpdate(body)
	if err != nil {
		return err
	}
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		var err error
		if it, err = s.store.GetITwin(c.ctx, tx, id); err != nil {
			return err
		}
		if in.DisplayName != nil {
			it.DisplayName = *in.DisplayName
		}
		if in.Status != nil {
			it.Status = *in.Status
		}
		if in.DataCenterLocation != nil {
			it.DataCenterLocation = *in.DataCenterLocation
		}
		applyOptional(&it.Type, in.Type)
		applyOptional(&it.Number, in.Number)
		applyOptional(&it.IanaTimeZone, in.IanaTimeZone)
		applyOptional(&it.GeographicLocation, in.GeographicLocation)
		applyOptional(&it.ParentID, in.ParentID)
		it.ParentID = NormGUID(it.ParentID)
		if it.ParentID == it.ID {
			return validation(famITwins, detailInvalid, "parentId", "an iTwin cannot be its own parent.")
		}
		return s.store.updateITwin(c.ctx, tx, it)
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.ITwinEnvelope{ITwin: itwinWire(it)})
	return nil
}

func (s *Server) handleITwinDelete(c *rc) error {
	id := c.param("id")
	if !IsGUID(id) {
		return errITwinNotFound
	}
	err := s.store.Write(c.ctx, func(tx *sql.Tx) error {
		if _, err := s.store.GetITwin(c.ctx, tx, id); err != nil {
			return err
		}
		if err := c.access(NormGUID(id)); err != nil {
			return err
		}
		if err := s.store.emitITwinIModelsDeleted(c.ctx, tx, id, c.client.ID); err != nil {
			return err // webhook events for the iModels that go with it (store_webhooks.go)
		}
		return s.store.deleteITwin(c.ctx, tx, id)
	})
	if err != nil {
		return err
	}
	writeNoBody(c.w, 204)
	return nil
}
