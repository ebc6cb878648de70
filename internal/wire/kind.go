package wire

// Kind is a connection family (internal/wire/testdata/spec/api.md §2, §3.4): storage connections map files of
// iTwin Storage, manifest connections register documents of an external system and get their files with each run.
// Both families have the same endpoints under their own collection, and error codes named after the family. The
// client, the provider and itwin-local all use this one definition.
type Kind string

// The connection kinds. The values are what the provider's `kind` attributes show and itwin-local stores.
const (
	KindStorage  Kind = "storage"
	KindManifest Kind = "manifest"
)

// Kinds lists every connection kind, storage first.
var Kinds = []Kind{KindStorage, KindManifest}

// Segment is the kind's collection segment under /synchronization/imodels, e.g. "storageconnections".
func (k Kind) Segment() string { return string(k) + "connections" }

// CollectionPath is the path of the kind's connection collection (spec §2).
func (k Kind) CollectionPath() string { return "/synchronization/imodels/" + k.Segment() }

// RunStartSegment is the last segment of the run-start path: storage runs start at …/run (S6, singular, no
// body), manifest runs at …/runs (M6, plural, with the manifest body; spec §4.1).
func (k Kind) RunStartSegment() string {
	if k == KindStorage {
		return "run"
	}
	return "runs"
}

// Noun names the kind in messages: "storage connection".
func (k Kind) Noun() string { return string(k) + " connection" }

// Other is the other kind.
func (k Kind) Other() Kind {
	if k == KindStorage {
		return KindManifest
	}
	return KindStorage
}

// entity is the name the kind's error codes are built from: "StorageConnection" (spec §8.1, §8.2, §11a).
func (k Kind) entity() string {
	if k == KindStorage {
		return "StorageConnection"
	}
	return "ManifestConnection"
}

// NotFoundCode is the 404 code of a missing connection: "StorageConnectionNotFound".
func (k Kind) NotFoundCode() string { return k.entity() + "NotFound" }

// RunNotFoundCode is the 404 code of a missing run: "StorageConnectionRunNotFound".
func (k Kind) RunNotFoundCode() string { return k.entity() + "RunNotFound" }

// SourceFileNotFoundCode is the 404 code of a missing source file: "StorageConnectionSourceFileNotFound".
func (k Kind) SourceFileNotFoundCode() string { return k.entity() + "SourceFileNotFound" }

// InvalidRequestCode is the 422 code of the kind's connection and run paths: "InvalidStorageConnectionRequest".
func (k Kind) InvalidRequestCode() string { return "Invalid" + k.entity() + "Request" }

// InvalidSourceFileRequestCode is the 422 code of the kind's source-file paths:
// "InvalidStorageConnectionSourceFileRequest".
func (k Kind) InvalidSourceFileRequestCode() string {
	return "Invalid" + k.entity() + "SourceFileRequest"
}
