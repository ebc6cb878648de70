package wire

// Token, iTwins and iModels API bodies (spec §9.1–§9.3), with named versions, users and changesets.

import (
	"encoding/json"
)

// --- Token (§9.1) ---

// TokenResponse is the token endpoint's success answer.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
}

// TokenError is the token endpoint's OAuth2 error answer.
type TokenError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// OpenIDConfiguration is the discovery document at {issuer}/.well-known/openid-configuration.
type OpenIDConfiguration struct {
	Issuer                           string   `json:"issuer"`
	AuthorizationEndpoint            string   `json:"authorization_endpoint"`
	TokenEndpoint                    string   `json:"token_endpoint"`
	JWKSURI                          string   `json:"jwks_uri"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	GrantTypesSupported              []string `json:"grant_types_supported,omitempty"`
	ScopesSupported                  []string `json:"scopes_supported,omitempty"`
}

// --- iTwins (§9.2) ---

// ITwin is an iTwin; the same struct is the create body (server-set fields left empty).
type ITwin struct {
	ID                 string    `json:"id,omitempty"`
	Class              string    `json:"class,omitempty"`
	SubClass           string    `json:"subClass,omitempty"`
	Type               string    `json:"type,omitempty"`
	Number             string    `json:"number,omitempty"`
	DisplayName        string    `json:"displayName"`
	GeographicLocation string    `json:"geographicLocation,omitempty"`
	IanaTimeZone       string    `json:"ianaTimeZone,omitempty"`
	DataCenterLocation string    `json:"dataCenterLocation,omitempty"`
	Status             string    `json:"status,omitempty"`
	ParentID           string    `json:"parentId,omitempty"`
	ITwinAccountID     string    `json:"iTwinAccountId,omitempty"`
	CreatedDateTime    Timestamp `json:"createdDateTime,omitzero"`
	CreatedBy          string    `json:"createdBy,omitempty"`
}

// MarshalJSON sends the optional fields an iTwin has no value for as null, never omitted (spec §9.2).
func (t ITwin) MarshalJSON() ([]byte, error) {
	type plain ITwin // no methods: no recursion
	return json.Marshal(struct {
		plain
		Type               *string `json:"type"`
		Number             *string `json:"number"`
		GeographicLocation *string `json:"geographicLocation"`
		IanaTimeZone       *string `json:"ianaTimeZone"`
		DataCenterLocation *string `json:"dataCenterLocation"`
		Status             *string `json:"status"`
		ParentID           *string `json:"parentId"`
		ITwinAccountID     *string `json:"iTwinAccountId"`
		CreatedBy          *string `json:"createdBy"`
	}{plain(t), nullIfEmpty(t.Type), nullIfEmpty(t.Number), nullIfEmpty(t.GeographicLocation), nullIfEmpty(t.IanaTimeZone),
		nullIfEmpty(t.DataCenterLocation), nullIfEmpty(t.Status), nullIfEmpty(t.ParentID), nullIfEmpty(t.ITwinAccountID),
		nullIfEmpty(t.CreatedBy)})
}

// ITwinEnvelope wraps one iTwin.
type ITwinEnvelope struct {
	ITwin ITwin `json:"iTwin"`
}

// ITwinCreate is the POST /itwins body: class, subClass and displayName are required.
type ITwinCreate struct {
	Class              string `json:"class"`
	SubClass           string `json:"subClass"`
	DisplayName        string `json:"displayName"`
	Type               string `json:"type,omitempty"`
	Number             string `json:"number,omitempty"`
	ParentID           string `json:"parentId,omitempty"`
	Status             string `json:"status,omitempty"`
	DataCenterLocation string `json:"dataCenterLocation,omitempty"`
	IanaTimeZone       string `json:"ianaTimeZone,omitempty"`
	GeographicLocation string `json:"geographicLocation,omitempty"`
}

// ITwin statuses.
const (
	ITwinStatusActive   = "Active"
	ITwinStatusInactive = "Inactive"
	ITwinStatusTrial    = "Trial"
)

// ITwinUpdate is the PATCH /itwins/{id} body (merge): absent fields keep their value, null clears an optional one.
// class and subClass cannot change.
type ITwinUpdate struct {
	DisplayName        *string          `json:"displayName,omitempty"`
	Type               Optional[string] `json:"type,omitzero"`
	Number             Optional[string] `json:"number,omitzero"`
	Status             *string          `json:"status,omitempty"`
	IanaTimeZone       Optional[string] `json:"ianaTimeZone,omitzero"`
	GeographicLocation Optional[string] `json:"geographicLocation,omitzero"`
	DataCenterLocation *string          `json:"dataCenterLocation,omitempty"`
	ParentID           Optional[string] `json:"parentId,omitzero"`
}

// ITwinList is a page of iTwins (GET /itwins).
type ITwinList struct {
	ITwins []ITwin     `json:"iTwins"`
	Links  PagingLinks `json:"_links"`
	// Minimal is never sent: a server sets it to encode each item with only id, class, subClass, type, number and
	// displayName (return=minimal).
	Minimal bool `json:"-"`
}

// MarshalJSON writes the minimal items when Minimal is set, the full iTwins otherwise.
func (l ITwinList) MarshalJSON() ([]byte, error) {
	type plain ITwinList
	if !l.Minimal {
		return json.Marshal(plain(l))
	}
	type item struct {
		ID          string  `json:"id"`
		Class       string  `json:"class"`
		SubClass    string  `json:"subClass"`
		Type        *string `json:"type"`
		Number      *string `json:"number"`
		DisplayName string  `json:"displayName"`
	}
	items := make([]item, len(l.ITwins))
	for i, t := range l.ITwins {
		items[i] = item{t.ID, t.Class, t.SubClass, nullIfEmpty(t.Type), nullIfEmpty(t.Number), t.DisplayName}
	}
	return json.Marshal(struct {
		ITwins []item      `json:"iTwins"`
		Links  PagingLinks `json:"_links"`
	}{items, l.Links})
}

// --- iModels (§9.3) ---

// IModel states.
const (
	IModelStateInitialized    = "initialized"
	IModelStateNotInitialized = "notInitialized"
)

// IModel is an iModel (v2 representation).
type IModel struct {
	ID                 string       `json:"id"`
	DisplayName        string       `json:"displayName"`
	Name               string       `json:"name"`
	Description        string       `json:"description,omitempty"`
	State              string       `json:"state"`
	CreatedDateTime    Timestamp    `json:"createdDateTime,omitzero"`
	ITwinID            string       `json:"iTwinId"`
	Extent             *Extent      `json:"extent,omitempty"`
	ContainersEnabled  int          `json:"containersEnabled"`
	DataCenterLocation string       `json:"dataCenterLocation,omitempty"`
	Links              *IModelLinks `json:"_links,omitempty"`
}

// IModelLinks are an iModel's links.
type IModelLinks struct {
	Creator       *Link `json:"creator,omitempty"`
	Changesets    *Link `json:"changesets,omitempty"`
	NamedVersions *Link `json:"namedVersions,omitempty"`
}

// Extent is an iModel's geographic extent.
type Extent struct {
	SouthWest GeoPoint `json:"southWest"`
	NorthEast GeoPoint `json:"northEast"`
}

// GeoPoint is a latitude/longitude pair.
type GeoPoint struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// IModelCreate is the iModels create body.
type IModelCreate struct {
	ITwinID                    string          `json:"iTwinId"`
	Name                       string          `json:"name"`
	Description                string          `json:"description,omitempty"`
	Extent                     *Extent         `json:"extent,omitempty"`
	CreationMode               string          `json:"creationMode,omitempty"`
	ContainersEnabled          *int            `json:"containersEnabled,omitempty"`
	GeographicCoordinateSystem json.RawMessage `json:"geographicCoordinateSystem,omitempty"`
}

// MarshalJSON sends description and extent as null when the iModel has none (spec §9.3).
func (m IModel) MarshalJSON() ([]byte, error) {
	type plain IModel
	return json.Marshal(struct {
		plain
		Description *string `json:"description"`
		Extent      *Extent `json:"extent"`
	}{plain(m), nullIfEmpty(m.Description), m.Extent})
}

// IModelEnvelope wraps one iModel.
type IModelEnvelope struct {
	IModel IModel `json:"iModel"`
}

// IModelList is a page of iModels (GET /imodels?iTwinId=…). With Prefer: return=minimal each item has only id and
// displayName.
type IModelList struct {
	IModels []IModel    `json:"iModels"`
	Links   PagingLinks `json:"_links"`
	// Minimal is never sent: a server sets it to encode each item with only id and displayName (return=minimal).
	Minimal bool `json:"-"`
}

// MarshalJSON writes the minimal items when Minimal is set, the full iModels otherwise.
func (l IModelList) MarshalJSON() ([]byte, error) {
	type plain IModelList
	if !l.Minimal {
		return json.Marshal(plain(l))
	}
	type item struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	}
	items := make([]item, len(l.IModels))
	for i, m := range l.IModels {
		items[i] = item{m.ID, m.DisplayName}
	}
	return json.Marshal(struct {
		IModels []item      `json:"iModels"`
		Links   PagingLinks `json:"_links"`
	}{items, l.Links})
}

// IModelUpdate is the PATCH /imodels/{id} body (merge): absent fields keep their value; null clears description
// or extent.
type IModelUpdate struct {
	Name        *string          `json:"name,omitempty"`
	Description Optional[string] `json:"description,omitzero"`
	Extent      Optional[Extent] `json:"extent,omitzero"`
}

// Named version states.
const (
	NamedVersionStateVisible = "visible"
	NamedVersionStateHidden  = "hidden"
)

// NamedVersion is a named version of an iModel: a name pinned on one changeset.
type NamedVersion struct {
	ID              string             `json:"id"`
	DisplayName     string             `json:"displayName"`
	Name            string             `json:"name"`
	Description     string             `json:"description"`
	ChangesetID     string             `json:"changesetId"`
	ChangesetIndex  int                `json:"changesetIndex"`
	State           string             `json:"state"`
	CreatedDateTime Timestamp          `json:"createdDateTime,omitzero"`
	Application     *Application       `json:"application,omitempty"`
	Links           *NamedVersionLinks `json:"_links,omitempty"`
}

// MarshalJSON sends an empty description, a missing application and the changesetId and changeset link of a
// baseline version (changesetIndex 0, before the first changeset) as null.
func (v NamedVersion) MarshalJSON() ([]byte, error) {
	type plain NamedVersion
	type links struct {
		Creator   *Link `json:"creator"`
		Changeset *Link `json:"changeset"`
	}
	var l *links
	if v.Links != nil {
		l = &links{v.Links.Creator, v.Links.Changeset}
	}
	return json.Marshal(struct {
		plain
		Description *string      `json:"description"`
		ChangesetID *string      `json:"changesetId"`
		Application *Application `json:"application"`
		Links       *links       `json:"_links,omitempty"`
	}{plain(v), nullIfEmpty(v.Description), nullIfEmpty(v.ChangesetID), v.Application, l})
}

// NamedVersionLinks are a named version's links.
type NamedVersionLinks struct {
	Creator   *Link `json:"creator,omitempty"`
	Changeset *Link `json:"changeset,omitempty"`
}

// NamedVersionCreate is the POST /imodels/{id}/namedversions body. With neither ChangesetID nor ChangesetIndex the
// version is pinned on the latest changeset.
type NamedVersionCreate struct {
	Name           string `json:"name"`
	Description    string `json:"description,omitempty"`
	ChangesetID    string `json:"changesetId,omitempty"`
	ChangesetIndex *int   `json:"changesetIndex,omitempty"`
}

// NamedVersionUpdate is the PATCH body of a named version (merge).
type NamedVersionUpdate struct {
	Name        *string          `json:"name,omitempty"`
	Description Optional[string] `json:"description,omitzero"`
	State       *string          `json:"state,omitempty"`
}

// NamedVersionEnvelope wraps one named version.
type NamedVersionEnvelope struct {
	NamedVersion NamedVersion `json:"namedVersion"`
}

// NamedVersionList is a page of named versions.
type NamedVersionList struct {
	NamedVersions []NamedVersion `json:"namedVersions"`
	Links         PagingLinks    `json:"_links"`
	// Minimal is never sent: a server sets it to encode each item with only id, displayName, changesetId and
	// changesetIndex (return=minimal).
	Minimal bool `json:"-"`
}

// MarshalJSON writes the minimal items when Minimal is set, the full named versions otherwise.
func (l NamedVersionList) MarshalJSON() ([]byte, error) {
	type plain NamedVersionList
	if !l.Minimal {
		return json.Marshal(plain(l))
	}
	type item struct {
		ID             string  `json:"id"`
		DisplayName    string  `json:"displayName"`
		ChangesetID    *string `json:"changesetId"`
		ChangesetIndex int     `json:"changesetIndex"`
	}
	items := make([]item, len(l.NamedVersions))
	for i, v := range l.NamedVersions {
		items[i] = item{v.ID, v.DisplayName, nullIfEmpty(v.ChangesetID), v.ChangesetIndex}
	}
	return json.Marshal(struct {
		NamedVersions []item      `json:"namedVersions"`
		Links         PagingLinks `json:"_links"`
	}{items, l.Links})
}

// User is a user as the iModels API (GET /imodels/{id}/users/{userId}, with Statistics) and the Users API
// (GET /users/{id}) describe it. Unknown names are sent as null.
type User struct {
	ID          string          `json:"id"`
	DisplayName string          `json:"displayName"`
	GivenName   string          `json:"givenName,omitempty"`
	Surname     string          `json:"surname,omitempty"`
	Email       string          `json:"email,omitempty"`
	Statistics  *UserStatistics `json:"statistics,omitempty"`
}

// MarshalJSON sends missing names and email as null.
func (u User) MarshalJSON() ([]byte, error) {
	type plain User
	return json.Marshal(struct {
		plain
		GivenName *string `json:"givenName"`
		Surname   *string `json:"surname"`
		Email     *string `json:"email"`
	}{plain(u), nullIfEmpty(u.GivenName), nullIfEmpty(u.Surname), nullIfEmpty(u.Email)})
}

// UserStatistics counts what a user did in one iModel.
type UserStatistics struct {
	PushedChangesetsCount int        `json:"pushedChangesetsCount"`
	LastChangesetPushDate *Timestamp `json:"lastChangesetPushDate"`
	CreatedVersionsCount  int        `json:"createdVersionsCount"`
	BriefcasesCount       int        `json:"briefcasesCount"`
}

// UserEnvelope wraps one user.
type UserEnvelope struct {
	User User `json:"user"`
}

// Changeset is an iModel changeset. Application and SynchronizationInfo are present in the representation only.
// A server sets Representation for the single GET and for lists with return=representation: the encoding then
// always carries application, synchronizationInfo and the namedVersion, currentOrPrecedingCheckpoint and download
// links, as null when they have no value (spec §9.3).
type Changeset struct {
	ID                  string               `json:"id"`
	DisplayName         string               `json:"displayName"`
	Description         string               `json:"description"`
	Index               int                  `json:"index"`
	ParentID            string               `json:"parentId"`
	CreatorID           string               `json:"creatorId,omitempty"`
	PushDateTime        Timestamp            `json:"pushDateTime,omitzero"`
	State               string               `json:"state,omitempty"`
	ContainingChanges   int                  `json:"containingChanges"`
	FileSize            int64                `json:"fileSize"`
	BriefcaseID         int                  `json:"briefcaseId"`
	GroupID             *string              `json:"groupId"`
	Application         *Application         `json:"application,omitempty"`
	SynchronizationInfo *SynchronizationInfo `json:"synchronizationInfo,omitempty"`
	Links               *ChangesetLinks      `json:"_links,omitempty"`
	Representation      bool                 `json:"-"`
}

// MarshalJSON writes the representation's nulls when Representation is set (see Changeset).
func (c Changeset) MarshalJSON() ([]byte, error) {
	type plain Changeset
	if !c.Representation {
		return json.Marshal(plain(c))
	}
	type links struct {
		Self                         *Link `json:"self,omitempty"`
		Creator                      *Link `json:"creator,omitempty"`
		NamedVersion                 *Link `json:"namedVersion"`
		CurrentOrPrecedingCheckpoint *Link `json:"currentOrPrecedingCheckpoint"`
		Download                     *Link `json:"download"`
	}
	l := &links{}
	if c.Links != nil {
		l = &links{c.Links.Self, c.Links.Creator, c.Links.NamedVersion, c.Links.CurrentOrPrecedingCheckpoint, c.Links.Download}
	}
	return json.Marshal(struct {
		plain
		Application         *Application         `json:"application"`
		SynchronizationInfo *SynchronizationInfo `json:"synchronizationInfo"`
		Links               *links               `json:"_links"`
	}{plain(c), c.Application, c.SynchronizationInfo, l})
}

// Application names the program that pushed a changeset.
type Application struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SynchronizationInfo links a changeset to the synchronization task that pushed it.
type SynchronizationInfo struct {
	TaskID       string   `json:"taskId"`
	ChangedFiles []string `json:"changedFiles"`
}

// ChangesetLinks are a changeset's links.
type ChangesetLinks struct {
	Self                         *Link `json:"self,omitempty"`
	Creator                      *Link `json:"creator,omitempty"`
	NamedVersion                 *Link `json:"namedVersion,omitempty"`
	CurrentOrPrecedingCheckpoint *Link `json:"currentOrPrecedingCheckpoint,omitempty"`
	Download                     *Link `json:"download,omitempty"`
}

// ChangesetEnvelope wraps one changeset.
type ChangesetEnvelope struct {
	Changeset Changeset `json:"changeset"`
}

// ChangesetList is a page of changesets.
type ChangesetList struct {
	Changesets []Changeset `json:"changesets"`
	Links      PagingLinks `json:"_links"`
}
