package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"
)

const (
	writeIDSystem = "urn:epj-chaos:write-id"
	cprSystem     = "urn:oid:1.2.208.176.1.2"
	atcSystem     = "http://www.whocc.no/atc"
	snomedSystem  = "http://snomed.info/sct"
	actCodeSystem = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
)

type obj = map[string]any

// newWriteID is a random UUIDv4 from crypto/rand, never from the seeded generator: write ids must be unique
// across runs, or If-None-Exist would match a previous run's admission.
func newWriteID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func writeIdentifier(id string) obj { return obj{"system": writeIDSystem, "value": id} }

func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

func patientRef(p *Patient) obj { return obj{"reference": "Patient/" + p.PatientID} }

var noteTexts = []string{
	"Syntetisk notat: stuegang, almentilstand god, afebril.",
	"Syntetisk notat: smerter i venstre knæ, NSAID pauseret.",
	"Syntetisk notat: kontrol om 3 måneder, blodprøver før.",
	"Syntetisk notat: pårørende orienteret, plan uændret.",
}

func clinicalNote(p *Patient, writeID string, text string) obj {
	r := obj{
		"resourceType": "DocumentReference",
		"identifier":   []any{writeIdentifier(writeID)},
		"status":       "current",
		"type":         obj{"coding": []any{obj{"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}}},
		"subject":      patientRef(p),
		"date":         now(),
		"content":      []any{obj{"attachment": obj{"contentType": "text/plain; charset=utf-8", "data": base64.StdEncoding.EncodeToString([]byte(text))}}},
	}
	if p.EncounterID != "" {
		r["context"] = obj{"encounter": []any{obj{"reference": "Encounter/" + p.EncounterID}}}
	}
	return r
}

func admission(p *Patient, writeID string) obj {
	return obj{
		"resourceType": "Encounter",
		"identifier":   []any{writeIdentifier(writeID)},
		"status":       "in-progress",
		"class":        obj{"system": actCodeSystem, "code": "IMP", "display": "inpatient encounter"},
		"subject":      patientRef(p),
		"period":       obj{"start": now()},
	}
}

var referralCodes = [][2]string{
	{"306206005", "Referral to service"},
	{"183519002", "Referral to cardiology service"},
	{"183545006", "Referral to orthopaedic service"},
	{"306098008", "Self-referral"},
}

func referral(p *Patient, writeID string, pick int) obj {
	c := referralCodes[pick%len(referralCodes)]
	return obj{
		"resourceType": "ServiceRequest",
		"identifier":   []any{writeIdentifier(writeID)},
		"status":       "active",
		"intent":       "order",
		"subject":      patientRef(p),
		"code":         obj{"coding": []any{obj{"system": snomedSystem, "code": c[0], "display": c[1]}}},
		"authoredOn":   now(),
	}
}

var atcCodes = [][2]string{
	{"N02BE01", "paracetamol"},
	{"J01CE02", "phenoxymethylpenicillin"},
	{"C10AA01", "simvastatin"},
	{"A02BC01", "omeprazole"},
	{"B01AC06", "acetylsalicylic acid"},
	{"C09AA02", "enalapril"},
	{"H02AB06", "prednisolone"},
}

func prescription(p *Patient, writeID string, pick int) obj {
	c := atcCodes[pick%len(atcCodes)]
	return obj{
		"resourceType":              "MedicationRequest",
		"identifier":                []any{writeIdentifier(writeID)},
		"status":                    "active",
		"intent":                    "order",
		"subject":                   patientRef(p),
		"medicationCodeableConcept": obj{"coding": []any{obj{"system": atcSystem, "code": c[0], "display": c[1]}}, "text": c[1]},
		"authoredOn":                now(),
		"dosageInstruction":         []any{obj{"text": "1 tablet 3 gange dagligt"}},
	}
}

// discharged turns a read Encounter into its discharge: finished, period.end now, plus this write's id.
func discharged(enc obj, writeID string) obj {
	enc["status"] = "finished"
	period, _ := enc["period"].(obj)
	if period == nil {
		period = obj{}
	}
	period["end"] = now()
	enc["period"] = period
	ids, _ := enc["identifier"].([]any)
	enc["identifier"] = append(ids, writeIdentifier(writeID))
	delete(enc, "meta")
	return enc
}
