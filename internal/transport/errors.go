package transport

// RetryableStatus reports whether a response status may be retried at all:
// 408, 429, 500, 502, 503 and 504. Other 4xx say the request itself is wrong,
// and other 5xx (501, 505, ...) will not change on a second try.
func RetryableStatus(status int) bool {
	switch status {
	case 408, 429, 500, 502, 503, 504:
		return true
	}
	return false
}
