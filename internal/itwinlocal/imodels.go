package itwinlocal

// iModels with changesets (§9.3 of internal/wire/testdata/spec/api.md): handlers and their wire conversions.

import (
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// --- iModels ---

// IModelRecord is a stored iModel.
type IModelRecord struct {
	ID, ITwinID, Name, Description string
	Extent                         *wire.Extent
	ContainersEnabled              int
	State                          string
	Created                        time.Time
	CreatedBy                      string
}

func extentJSON(e *wire.Extent) any {
	if e == nil {
		return nil
	}
	b, _ := json.Marshal(e)
	return string(b)
}

func imodelWire(o string, r IModelRecord) wire.IModel {
	base := o + "/imodels/" + r.ID
	return wire.IModel{ID: r.ID, DisplayName: r.Name, Name: r.Name, Description: r.Description, State: r.State,
		CreatedDateTime: wire.NewTimestamp(r.Created), ITwinID: r.ITwinID, Extent: r.Extent, ContainersEnabled: r.ContainersEnabled,
		DataCenterLocation: "East US", Links: &wire.IModelLinks{
			Creator:       &wire.Link{Href: base + "/users/" + clientUserID(r.CreatedBy)},
			Changesets:    &wire.Link{Href: base + "/changesets"},
			NamedVersions: &wire.Link{Href: base + "/namedversions"},
		}}
}

// clientUserID maps a client id to a stable GUID-shaped user id (creator links, changeset creatorId).
func clientUserID(clientID string) string {
	return uuidFromName("client:" + clientID)
}

var creationModes = map[string]bool{"empty": true}

// decodeIModelCreate validates a POST /imodels body.
func decodeIModelCreate(body []byte) (wire.IModelCreate, error) {
	var in wire.IModelCreate
	keys, err := decodeObject(body, famIModels, &in)
	if err != nil {
		return in, err
	}
	switch {
	case !present(keys, "iTwinId") || in.ITwinID == "":
		return in, validation(famIModels, detailMissing, "iTwinId", "")
	case !IsGUID(in.ITwinID):
		return in, validation(famIModels, detailInvalid, "iTwinId", "")
	case strings.TrimSpace(in.Name) == "":
		return in, validation(famIModels, detailMissing, "name", "")
	case len(in.Name) > maxIModelName:
		return in, validation(famIModels, detailInvalid, "name", "name must be at most 255 characters.")
	case in.CreationMode != "" && !creationModes[in.CreationMode]:
		return in, validation(famIModels, detailInvalid, "creationMode", "creationMode must be \"empty\".")
	case in.ContainersEnabled != nil && *in.ContainersEnabled < 0:
		return in, validation(famIModels, detailInvalid, "containersEnabled", "")
	}
	if err := validateExtent(in.Extent); err != nil {
		return in, err
	}
	in.ITwinID = NormGUID(in.ITwinID)
	return in, nil
}

const maxIModelName = 255

func validateExtent(e *wire.Extent) error {
	if e == nil {
		return nil
	}
	for _, p := range []wire.GeoPoint{e.SouthWest, e.NorthEast} {
		if p.Latitude < -90 || p.Latitude > 90 || p.Longitude < -180 || p.Longitude > 180 {
			return validation(famIModels, detailInvalid, "extent", "extent coordinates are out of range.")
		}
	}
	return nil
}

// decodeIModelUpdate validates a PATCH /imodels/{id} body (merge). name may change but not be cleared; null clears
// description or extent. Other fields are ignored (spec §1.3).
func decodeIModelUpdate(body []byte) (wire.IModelUpdate, error) {
	var in wire.IModelUpdate
	keys, err := decodeObject(body, famIModels, &in)
	if err != nil {
		return in, err
	}
	if _, has := keys["name"]; has {
		switch {
		case in.Name == nil:
			return in, validation(famIModels, detailInvalid, "name", "name cannot be null: an iModel always has a name.")
		case strings.TrimSpace(*in.Name) == "":
			return in, validation(famIModels, detailInvalid, "name", "name cannot be empty.")
		case len(*in.Name) > maxIModelName:
			return in, validation(famIModels, detailInvalid, "name", "name must be at most 255 characters.")
		}
	}
	if in.Extent.Value != nil {
		if err := validateExtent(in.Extent.Value); err != nil {
			return in, err
		}
	}
	return in, nil
}

func (s *Server) handleIModelCreate(c *rc) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeIModelCreate(body)
	if err != nil {
		return err
	}
	var out IModelRecord
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		if _, err := s.store.GetITwin(c.ctx, tx, in.ITwinID); err != nil {
			return err
		}
		if err := c.access(in.ITwinID); err != nil {
			return err
		}
		rec := IModelRecord{ITwinID: in.ITwinID, Name: in.Name, Description: in.Description, Extent: in.Extent}
		if in.ContainersEnabled != nil {
			rec.ContainersEnabled = *in.ContainersEnabled
		}
		var err error
		out, err = s.store.createIModel(c.ctx, tx, rec, c.client.ID)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 201, wire.IModelEnvelope{IModel: imodelWire(c.origin(), out)})
	return nil
}

// loadIModel loads an iModel from the path and checks access (404, then 403).
func (c *rc) loadIModel(q Querier, id string) (IModelRecord, error) {
	if !IsGUID(id) {
		return IModelRecord{}, errIModelNotFound
	}
	im, err := c.s.store.GetIModel(c.ctx, q, id)
	if err != nil {
		return im, err
	}
	return im, c.access(im.ITwinID)
}

func (s *Server) handleIModelGet(c *rc) error {
	im, err := c.loadIModel(s.store.Reader(), c.param("id"))
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.IModelEnvelope{IModel: imodelWire(c.origin(), im)})
	return nil
}

func (s *Server) handleIModelPatch(c *rc) error {
	// 404 and 403 come before the body is looked at, as for the other updates.
	if _, err := c.loadIModel(s.store.Reader(), c.param("id")); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeIModelUpdate(body)
	if err != nil {
		return err
	}
	var im IModelRecord
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		var err error
		if im, err = c.loadIModel(tx, c.param("id")); err != nil {
			return err
		}
		if in.Name != nil && *in.Name != im.Name {
			taken, err := s.store.imodelNameTaken(c.ctx, tx, im.ITwinID, *in.Name, im.ID)
			if err != nil {
				return err
			}
			if taken {
				return errIModelExists
			}
			im.Name = *in.Name
		}
		if in.Description.Set {
			im.Description = ""
			if in.Description.Value != nil {
				im.Description = *in.Description.Value
			}
		}
		if in.Extent.Set {
			im.Extent = in.Extent.Value
		}
		// The id stays, so changesets, named versions, connections and elements stay with the iModel.
		return s.store.updateIModel(c.ctx, tx, im)
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.IModelEnvelope{IModel: imodelWire(c.origin(), im)})
	return nil
}

var (
	imodelOrderRe = regexp.MustCompile(`(?i)^\s*(name|createdDateTime)(\s+(asc|desc))?\s*$`)
	imodelStates  = map[string]bool{wire.IModelStateInitialized: true, wire.IModelStateNotInitialized: true}
)

// containsFold reports whether sub occurs in s, ignoring case ($search, spec §9.2/§9.3).
func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// handleIModelList is GET /imodels?iTwinId=… (spec §9.3).
func (s *Server) handleIModelList(c *rc) error {
	p, err := parsePage(c.r, famIModels)
	if err != nil {
		return err
	}
	itwinID, ok := query(c.r, "iTwinId")
	switch {
	case !ok || itwinID == "":
		return validation(famIModels, detailMissing, "iTwinId", "")
	case !IsGUID(itwinID):
		return validation(famIModels, detailInvalid, "iTwinId", "")
	}
	itwinID = NormGUID(itwinID)
	filters := [][2]string{{"iTwinId", itwinID}}
	orderBy, desc := "", false
	if v, ok := query(c.r, "$orderBy"); ok {
		m := imodelOrderRe.FindStringSubmatch(v)
		if m == nil {
			return validation(famIModels, detailInvalid, "$orderBy", "$orderBy must be \"name\" or \"createdDateTime\", optionally followed by asc or desc.")
		}
		orderBy, desc = strings.ToLower(m[1]), strings.EqualFold(m[3], "desc")
		filters = append(filters, [2]string{"$orderBy", v})
	}
	name, hasName := query(c.r, "name")
	if hasName {
		filters = append(filters, [2]string{"name", name})
	}
	search, hasSearch := query(c.r, "$search")
	if hasSearch {
		filters = append(filters, [2]string{"$search", search})
	}
	state, hasState := query(c.r, "state")
	if hasState {
		if !imodelStates[state] {
			return validation(famIModels, detailInvalid, "state", "state must be initialized or notInitialized.")
		}
		filters = append(filters, [2]string{"state", state})
	}
	if _, err := s.store.GetITwin(c.ctx, s.store.Reader(), itwinID); err != nil {
		return err
	}
	if err := c.access(itwinID); err != nil {
		return err
	}
	all, err := s.store.listIModels(c.ctx, s.store.Reader(), itwinID)
	if err != nil {
		return err
	}
	var sel []IModelRecord
	for _, im := range all {
		if (hasName && im.Name != name) || (hasState && im.State != state) ||
			(hasSearch && !containsFold(im.Name, search) && !containsFold(im.Description, search)) {
			continue
		}
		sel = append(sel, im)
	}
	if orderBy == "name" {
		sort.SliceStable(sel, func(i, j int) bool {
			a, b := strings.ToLower(sel[i].Name), strings.ToLower(sel[j].Name)
			if a == b {
				return sel[i].Name < sel[j].Name
			}
			return a < b
		})
	}
	if desc {
		slices.Reverse(sel)
	}
	out := wire.IModelList{IModels: []wire.IModel{}, Minimal: !representation(c.r)}
	for i := p.Skip; i < len(sel) && i < p.Skip+p.Top; i++ {
		out.IModels = append(out.IModels, imodelWire(c.origin(), sel[i]))
	}
	out.Links = pageLinks(c.origin()+"/imodels", filters, p, p.Skip+p.Top < len(sel))
	writeJSON(c.w, 200, out)
	return nil
}

func (s *Server) handleIModelDelete(c *rc) error {
	err := s.store.Write(c.ctx, func(tx *sql.Tx) error {
		im, err := c.loadIModel(tx, c.param("id"))
		if err != nil {
			return err
		}
		if err := s.store.emitIModelEvent(c.ctx, tx, wire.EventIModelDeleted, im.ID, im.ITwinID, c.client.ID); err != nil {
			return err // webhook event (store_webhooks.go)
		}
		// Connections, runs, source files, configurations, changesets, elements and reports cascade (§9.3).
		return s.store.deleteIModel(c.ctx, tx, im.ID)
	})
	if err != nil {
		return err
	}
	writeNoBody(c.w, 204)
	return nil
}

// --- changesets ---

// ChangesetRecord is a stored changeset. Index and ParentID are assigned by AppendChangeset.
type ChangesetRecord struct {
	IModelID          string
	Index             int
	ID                string // 40-char lower-case hex; generated when empty
	ParentID          string
	Description       string
	PushTime          time.Time
	ContainingChanges int
	FileSize          int64
	BriefcaseID       int
	CreatorID         string
	TaskID            string   // synchronization task that pushed it ("" = none)
	ChangedFiles      []string // file names
	RunID             string
}

// localApplicationID identifies itwin-local as the application that pushed changesets.
const localApplicationID = "d9a97ef5-1236-485e-a045-ab0b1f945fa6"

// changesetWire is a changeset's answer form. The representation (full) links the changeset's named version
// (namedVersionID, "" = none) and sends null for the checkpoint and download links: itwin-local keeps neither.
func changesetWire(o string, cs ChangesetRecord, full bool, namedVersionID string) wire.Changeset {
	base := o + "/imodels/" + cs.IModelID
	out := wire.Changeset{ID: cs.ID, DisplayName: strconv.Itoa(cs.Index), Description: cs.Description, Index: cs.Index,
		ParentID: cs.ParentID, CreatorID: cs.CreatorID, PushDateTime: wire.NewTimestamp(cs.PushTime), State: "fileUploaded",
		ContainingChanges: cs.ContainingChanges, FileSize: cs.FileSize, BriefcaseID: cs.BriefcaseID,
		Links: &wire.ChangesetLinks{Self: &wire.Link{Href: base + "/changesets/" + strconv.Itoa(cs.Index)}}, Representation: full}
	if cs.CreatorID != "" {
		out.Links.Creator = &wire.Link{Href: base + "/users/" + cs.CreatorID}
	}
	if full {
		if namedVersionID != "" {
			out.Links.NamedVersion = &wire.Link{Href: base + "/namedversions/" + namedVersionID}
		}
		out.Application = &wire.Application{ID: localApplicationID, Name: "itwin-local"}
		if cs.TaskID != "" {
			files := cs.ChangedFiles
			out.SynchronizationInfo = &wire.SynchronizationInfo{TaskID: cs.TaskID, ChangedFiles: files}
		}
	}
	return out
}

var orderByRe = regexp.MustCompile(`(?i)^\s*index(\s+(asc|desc))?\s*$`)

func (s *Server) handleChangesetList(c *rc) error {
	p, err := parsePage(c.r, famIModels)
	if err != nil {
		return err
	}
	desc := false
	var filters [][2]string
	if v, ok := query(c.r, "$orderBy"); ok {
		m := orderByRe.FindStringSubmatch(v)
		if m == nil {
			return validation(famIModels, detailInvalid, "$orderBy", "$orderBy must be \"index asc\" or \"index desc\".")
		}
		desc = strings.EqualFold(m[2], "desc")
		filters = append(filters, [2]string{"$orderBy", v})
	}
	intParam := func(name string) (int, bool, error) {
		v, ok := query(c.r, name)
		if !ok {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, false, validation(famIModels, detailInvalid, name, "")
		}
		filters = append(filters, [2]string{name, v})
		return n, true, nil
	}
	after, hasAfter, err := intParam("afterIndex")
	if err != nil {
		return err
	}
	last, hasLast, err := intParam("lastIndex")
	if err != nil {
		return err
	}
	im, err := c.loadIModel(s.store.Reader(), c.param("id"))
	if err != nil {
		return err
	}
	all, err := s.store.ListChangesets(c.ctx, s.store.Reader(), im.ID)
	if err != nil {
		return err
	}
	var sel []ChangesetRecord
	for _, cs := range all {
		if (hasAfter && cs.Index <= after) || (hasLast && cs.Index > last) {
			continue
		}
		sel = append(sel, cs)
	}
	if desc {
		for i, j := 0, len(sel)-1; i < j; i, j = i+1, j-1 {
			sel[i], sel[j] = sel[j], sel[i]
		}
	}
	full := representation(c.r)
	versions, err := s.store.namedVersionsByChangeset(c.ctx, s.store.Reader(), im.ID)
	if err != nil {
		return err
	}
	out := wire.ChangesetList{Changesets: []wire.Changeset{}}
	for i := p.Skip; i < len(sel) && i < p.Skip+p.Top; i++ {
		out.Changesets = append(out.Changesets, changesetWire(c.origin(), sel[i], full, versions[sel[i].Index]))
	}
	out.Links = pageLinks(c.origin()+"/imodels/"+im.ID+"/changesets", filters, p, p.Skip+p.Top < len(sel))
	writeJSON(c.w, 200, out)
	return nil
}

func (s *Server) handleChangesetGet(c *rc) error {
	im, err := c.loadIModel(s.store.Reader(), c.param("id"))
	if err != nil {
		return err
	}
	key := c.param("changeset")
	var cs ChangesetRecord
	if n, convErr := strconv.Atoi(key); convErr == nil && len(key) < 40 {
		cs, err = s.store.changesetByIndex(c.ctx, s.store.Reader(), im.ID, n)
	} else {
		cs, err = s.store.changesetByID(c.ctx, s.store.Reader(), im.ID, strings.ToLower(key))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errChangesetNotFound
	}
	if err != nil {
		return err
	}
	versions, err := s.store.namedVersionsByChangeset(c.ctx, s.store.Reader(), im.ID)
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.ChangesetEnvelope{Changeset: changesetWire(c.origin(), cs, true, versions[cs.Index])})
	return nil
}
