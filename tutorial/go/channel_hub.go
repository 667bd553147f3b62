//go:build ignore

// The Go form of the channel-hub model, as chapter 06 of the tutorial quotes it. It is a sketch of
// the idiom the seed articles use (gorilla/websocket), not a program: the build tag above keeps
// the Go tools away from it.
package chat

// snippet:go-form
for {
    select {
    case c := <-h.register:
        h.clients[c] = true
    case c := <-h.unregister:
        delete(h.clients, c)
        close(c.send)
    case line := <-h.broadcast:
        for c := range h.clients {
            select {
            case c.send <- line:
            default: // its buffer is full: drop the client
                delete(h.clients, c)
                close(c.send)
            }
        }
    }
}
// end-snippet
