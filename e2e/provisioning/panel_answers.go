package provisioning

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// PanelAnswer is the backend's answer to a panel's queries, for one VM of
// a repeated row ("" when the panel does not repeat).
type PanelAnswer struct {
	Panel    Panel
	VM       string
	Response *backend.QueryDataResponse
	// Range is the time range asked, written when set: a page that draws
	// over time needs it (the annotated panels).
	Range backend.TimeRange
}

// WritePanelAnswers writes answers as e2e/browser/run.mjs reads them
// (panels.json): each panel's id, title, type, VM, fieldConfig, options and
// transformations as the dashboard has them (an annotation query is one of
// type "annotations"), the range asked when set, and the answer in the JSON of
// Grafana's /api/ds/query (the SDK's QueryDataResponse encoding).
func WritePanelAnswers(path string, answers []PanelAnswer) error {
	type entry struct {
		ID              int             `json:"id"`
		Title           string          `json:"title"`
		Type            string          `json:"type"`
		VM              string          `json:"vm"`
		FieldConfig     json.RawMessage `json:"fieldConfig"`
		Options         json.RawMessage `json:"options"`
		Transformations json.RawMessage `json:"transformations,omitempty"`
		From            int64           `json:"from,omitempty"`
		To              int64           `json:"to,omitempty"`
		Response        json.RawMessage `json:"response"`
	}
	out := make([]entry, 0, len(answers))
	for _, a := range answers {
		body, err := json.Marshal(a.Response)
		if err != nil {
			return fmt.Errorf("panel %d %q: %w", a.Panel.ID, a.Panel.Title, err)
		}
		e := entry{ID: a.Panel.ID, Title: a.Panel.Title, Type: a.Panel.Type, VM: a.VM,
			FieldConfig: a.Panel.FieldConfig, Options: a.Panel.Options, Transformations: a.Panel.Transformations, Response: body}
		if !a.Range.From.IsZero() {
			e.From, e.To = a.Range.From.UnixMilli(), a.Range.To.UnixMilli()
		}
		out = append(out, e)
	}
	body, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return os.WriteFile(path, body, 0o644)
}
