/**
 * Clients for the chapters' break-it steps, each started with one command against a model you are running:
 * <pre>
 *   java -jar tools/target/tools.jar stuck   clients that stop reading: evicted, waited for, or holding everyone up?
 *   java -jar tools/target/tools.jar burst   senders that send as fast as they can: does everyone get every line?
 *   java -jar tools/target/tools.jar watch   one client that reads everything and marks each gap and reordering
 * </pre>
 * They use the JDK's {@link java.net.http.WebSocket}, whose explicit demand ({@code request(n)}) is what lets a
 * client stop reading for real: no frame is taken off the socket until it asks, so the server's writes back up.
 */
package fivechats.tools;
