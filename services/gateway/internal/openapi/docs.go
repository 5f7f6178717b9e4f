package openapi

import (
	"bytes"
	"encoding/json"
	"html/template"
	"maps"
	"slices"
	"strings"
)

// Docs renders a merged document as one self-contained HTML page (no
// script, no CDN): the conventions, then every operation by tag with its
// parameters, so the API can be read where nothing outside is reachable.
func Docs(merged []byte) ([]byte, error) {
	var doc struct {
		Info struct {
			Title, Version, Description string
		}
		Tags []struct {
			Name, Description string
		}
		Paths map[string]map[string]struct {
			Summary, Description, OperationID string
			Tags                              []string
			Parameters                        []struct {
				Name, In, Type, Description, Pattern string
				Required                             bool
				Schema                               struct {
					Ref string `json:"$ref"`
				}
			}
		}
	}
	if err := json.Unmarshal(merged, &doc); err != nil {
		return nil, err
	}
	type param struct{ Name, In, Type, Description string }
	type operation struct {
		Method, Path, Summary, Description, ID string
		Params                                 []param
	}
	type section struct {
		Name, Description string
		Ops               []operation
	}
	byTag := map[string]*section{}
	var sections []*section
	for _, t := range doc.Tags {
		s := &section{Name: t.Name, Description: t.Description}
		byTag[t.Name] = s
		sections = append(sections, s)
	}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths)) {
		for _, method := range slices.Sorted(maps.Keys(doc.Paths[path])) {
			op := doc.Paths[path][method]
			o := operation{Method: strings.ToUpper(method), Path: path, Summary: op.Summary, Description: op.Description, ID: op.OperationID}
			for _, p := range op.Parameters {
				typ := p.Type
				if p.Schema.Ref != "" {
					typ = strings.TrimPrefix(p.Schema.Ref, "#/definitions/")
				}
				if p.Pattern != "" {
					typ += " matching " + p.Pattern
				}
				if p.Required {
					typ += ", required"
				}
				o.Params = append(o.Params, param{Name: p.Name, In: p.In, Type: typ, Description: p.Description})
			}
			tag := "Other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			s := byTag[tag]
			if s == nil {
				s = &section{Name: tag}
				byTag[tag] = s
				sections = append(sections, s)
			}
			s.Ops = append(s.Ops, o)
		}
	}
	var buf bytes.Buffer
	err := page.Execute(&buf, struct {
		Title, Version, Description string
		Sections                    []*section
	}{doc.Info.Title, doc.Info.Version, doc.Info.Description, sections})
	return buf.Bytes(), err
}

var page = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} {{.Version}}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;margin-top:2em}
.op{border:1px solid #ddd;border-radius:6px;margin:1em 0;padding:.6em 1em}
.m{display:inline-block;min-width:4em;font-weight:bold;color:#fff;border-radius:4px;padding:0 .4em;text-align:center}
.GET{background:#2b7bb9}.POST{background:#3a9a4a}.PATCH{background:#c78a1c}.DELETE{background:#b93a2b}
code,.path{font-family:ui-monospace,monospace} .path{font-weight:bold}
.desc{white-space:pre-wrap;color:#444} table{border-collapse:collapse;width:100%;font-size:14px}
td,th{border-top:1px solid #eee;padding:.2em .5em;text-align:left;vertical-align:top}
nav a{margin-right:1em}
</style></head><body>
<h1>{{.Title}} <small>{{.Version}}</small></h1>
<p>{{.Description}}</p>
<p>The machine-readable document is at <a href="/openapi.json">/openapi.json</a> (OpenAPI 2.0).</p>
<nav>{{range .Sections}}<a href="#{{.Name}}">{{.Name}}</a>{{end}}</nav>
{{range .Sections}}
<h2 id="{{.Name}}">{{.Name}}</h2>
<div class="desc">{{.Description}}</div>
{{range .Ops}}<div class="op" id="{{.ID}}">
<div><span class="m {{.Method}}">{{.Method}}</span> <span class="path">{{.Path}}</span></div>
<p><b>{{.Summary}}</b></p>{{if .Description}}<div class="desc">{{.Description}}</div>{{end}}
{{if .Params}}<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{.Type}}</td><td class="desc">{{.Description}}</td></tr>
{{end}}</table>{{end}}
</div>{{end}}
{{end}}
</body></html>
`))
