package journey

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// The identifiers a journey keeps, each the value of the latest event that
// carries it.
const (
	idExternal = iota
	idOneUpUser
	idFHIRPatient
	idEndpoint
	idPortal
	idBrand
	idTEFCA
	idOrg
	idSystemName
	idOneUpSystem
	idOrgConnection
	idConnectionStatus
	idPlatformType
	idScope
	idExternalState // last, so that states stored before it still decode
	numIdentities
)

// identities lists ev's identifiers by the indexes above ("" when absent).
func identities(ev *conneventsv1.ConnectionEvent) [numIdentities]string {
	p, h, c := ev.GetPatient(), ev.GetHealthSystem(), ev.GetConnection()
	return [numIdentities]string{
		idExternal:         p.GetExternalId(),
		idOneUpUser:        p.GetOneupUserId(),
		idFHIRPatient:      p.GetFhirPatientReference(),
		idEndpoint:         h.GetEndpointId(),
		idPortal:           h.GetPortalId(),
		idBrand:            h.GetBrandId(),
		idTEFCA:            h.GetTefcaDirectoryId(),
		idOrg:              h.GetOrgId(),
		idSystemName:       h.GetName(),
		idOneUpSystem:      h.GetOneupSystemId(),
		idOrgConnection:    c.GetOrgConnectionId(),
		idConnectionStatus: c.GetConnectionStatus(),
		idPlatformType:     c.GetPlatformType(),
		idScope:            c.GetScope(),
		idExternalState:    p.GetExternalState(),
	}
}

// identityMessages builds the journey's patient, health system and
// connection messages; each is nil when none of its fields is known.
func (st *State) identityMessages() (*conneventsv1.Patient, *conneventsv1.HealthSystem, *conneventsv1.Connection) {
	var v [numIdentities]string
	for i, l := range st.s.Identities {
		v[i] = l.Val
	}
	var p *conneventsv1.Patient
	if v[idExternal]+v[idOneUpUser]+v[idFHIRPatient]+v[idExternalState] != "" {
		p = &conneventsv1.Patient{
			ExternalId: v[idExternal], OneupUserId: v[idOneUpUser], FhirPatientReference: v[idFHIRPatient],
			ExternalState: v[idExternalState],
		}
	}
	var h *conneventsv1.HealthSystem
	if v[idEndpoint]+v[idPortal]+v[idBrand]+v[idTEFCA]+v[idOrg]+v[idSystemName]+v[idOneUpSystem] != "" {
		h = &conneventsv1.HealthSystem{
			EndpointId: v[idEndpoint], PortalId: v[idPortal], BrandId: v[idBrand],
			TefcaDirectoryId: v[idTEFCA], OrgId: v[idOrg], Name: v[idSystemName], OneupSystemId: v[idOneUpSystem],
		}
	}
	var c *conneventsv1.Connection
	exp := st.s.ConsentExp
	if v[idOrgConnection]+v[idConnectionStatus]+v[idPlatformType]+v[idScope] != "" || exp.At != nil {
		c = &conneventsv1.Connection{
			OrgConnectionId: v[idOrgConnection], ConnectionStatus: v[idConnectionStatus],
			PlatformType: v[idPlatformType], Scope: v[idScope],
		}
		if exp.At != nil {
			c.ConsentExpiresAt = timestamppb.New(exp.Val)
		}
	}
	return p, h, c
}

// PlatformType returns the journey's EHR platform type ("" when unknown).
func (st *State) PlatformType() string { return st.s.Identities[idPlatformType].Val }
