package frontend

import "html/template"

// formErrorID is the id of the message a refused form shows (the layout's
// "form-error" template); the field at fault points to it.
const formErrorID = "form-error"

// Invalid is the attributes that tie the field named field to the form's
// error when that field is at fault: aria-invalid, and aria-describedby
// naming the message, so that a screen reader reads it with the field.
func (f form) Invalid(field string) template.HTMLAttr {
	if f.Error == "" || f.Field == "" || f.Field != field {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + formErrorID + `"`)
}
