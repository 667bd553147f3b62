//go:build ignore

// The Go form of the polling-loop model, as chapter 03 of the tutorial quotes it. It is a sketch of
// the idiom the seed articles use (gorilla/websocket), not a program: the build tag above keeps
// the Go tools away from it.
package chat

// snippet:go-form
for {
    busy := false
    for _, c := range clients {
        select {
        case line := <-c.lines: // a line has arrived
            busy = true
            for _, other := range clients {
                other.conn.WriteMessage(websocket.TextMessage, line)
            }
        default: // nothing from this client: next one
        }
    }
    if !busy {
        time.Sleep(backoff)
    }
}
// end-snippet
