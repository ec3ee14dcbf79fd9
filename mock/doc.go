// Package mock serves the connection-requests API described by the OpenAPI document:
// routes built from the spec on gorilla/mux, every request validated with kin-openapi,
// deterministic pages from package fixtures with Django REST Framework's pagination,
// DRF error bodies, CORS, and an admin area under /__connreq/.
//
// The handler chain is composed outside the router (recover → access log → framing
// guard → header limits → CORS → router), so 404, 405 and preflight requests get the same
// treatment as matched routes. The framing guard closes the connection after any request
// whose body framing a proxy could read otherwise (RFC 9112 §6.3): no request smuggled
// behind it is ever answered.
//
// Users: every id from 1 to 2147483647 (Django's 32-bit AutoField) exists; 0 and
// anything larger answer 404, as does an id that is not a string of digits.
package mock
