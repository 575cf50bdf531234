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
}

// WritePanelAnswers writes answers as e2e/browser/run.mjs reads them
// (panels.json): each panel's id, title, type, VM, fieldConfig, options and
// transformations as the dashboard has them, and the answer in the JSON of
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
		Response        json.RawMessage `json:"response"`
	}
	out := make([]entry, 0, len(answers))
	for _, a := range answers {
		body, err := json.Marshal(a.Response)
		if err != nil {
			return fmt.Errorf("panel %d %q: %w", a.Panel.ID, a.Panel.Title, err)
		}
		out = append(out, entry{ID: a.Panel.ID, Title: a.Panel.Title, Type: a.Panel.Type, VM: a.VM,
			FieldConfig: a.Panel.FieldConfig, Options: a.Panel.Options, Transformations: a.Panel.Transformations, Response: body})
	}
	body, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return os.WriteFile(path, body, 0o644)
}
