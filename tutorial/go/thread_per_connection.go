//go:build ignore

// The Go form of the thread-per-connection model, as chapter 04 of the tutorial quotes it. It is a sketch of
// the idiom the seed articles use (gorilla/websocket), not a program: the build tag above keeps
// the Go tools away from it.
package chat

// snippet:go-form
var clients = map[*websocket.Conn]bool{} // no lock: the bug

func handle(conn *websocket.Conn) {
    clients[conn] = true
    for {
        _, line, err := conn.ReadMessage()
        if err != nil {
            delete(clients, conn)
            return
        }
        for other := range clients {
            other.WriteMessage(websocket.TextMessage, line) // many goroutines write one conn
        }
    }
}
// end-snippet
