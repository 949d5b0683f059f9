import java.io.File;
import java.lang.reflect.Field;
import java.net.BindException;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.CommandLineInput;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local in memory, with a shared database and without telemetry, on 127.0.0.1 only.
 *
 * <p>DynamoDB Local's own main class has no host option: its Jetty server is created on a port alone and
 * listens on every interface. This launcher builds the very server that main class builds
 * (ServerRunner.createServer), binds its one connector to loopback before starting it, and then:
 *
 * <ul>
 *   <li>prints one line, {@code listening <port>}, once the socket is bound (port 0 picks a free one);
 *   <li>exits when its standard input reaches end of file, so that it dies with the process that holds
 *       the pipe, however that process dies (SIGKILL included), removing first the directory named by
 *       {@code -Dloopback.scratch}, if any: Java's temporary directory, where DynamoDB Local unpacks its
 *       SQLite library at start;
 *   <li>on failure prints one line, {@code error <kind> <message>}, and exits 2 (port in use) or 1.
 * </ul>
 *
 * <p>Usage: {@code java -cp <launcher dir>:DynamoDBLocal.jar LoopbackDynamoDbLocal -port <port>}, the
 * option spelled as DynamoDB Local spells it, so that its processes are found by the same pattern.
 */
public final class LoopbackDynamoDbLocal {
  private static final String HOST = "127.0.0.1";

  public static void main(String[] args) {
    exitWhenStdinCloses();
    try {
      int port = start(portOf(args));
      System.out.println("listening " + port);
      System.out.flush();
    } catch (Throwable error) {
      boolean busy = causes(error, BindException.class);
      System.out.println("error " + (busy ? "port-in-use " : "start ") + oneLine(error));
      System.out.flush();
      removeScratch();
      Runtime.getRuntime().halt(busy ? 2 : 1);
    }
  }

  private static int portOf(String[] args) {
    if (args.length != 2 || !args[0].equals("-port")) {
      throw new IllegalArgumentException("usage: LoopbackDynamoDbLocal -port <port>");
    }
    return Integer.parseInt(args[1]);
  }

  private static int start(int port) throws Exception {
    // DynamoDB Local's command line refuses port 0; the connector below is given the real port.
    CommandLineInput input =
        new CommandLineInput(new String[] {"-inMemory", "-sharedDb", "-disableTelemetry"});
    if (!input.init()) throw new IllegalStateException("DynamoDB Local refused its command line");
    DynamoDBProxyServer proxy = ServerRunner.createServer(input);
    // The Jetty server is private to the proxy; its connector is the only thing this launcher changes.
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    ServerConnector connector = null;
    for (Connector each : jetty.getConnectors()) {
      connector = (ServerConnector) each;
      connector.setHost(HOST);
      connector.setPort(port);
    }
    if (connector == null) throw new IllegalStateException("DynamoDB Local's server has no connector");
    // safeStart, unlike start, lets a bind failure through instead of printing it and staying alive.
    proxy.safeStart();
    return connector.getLocalPort();
  }

  /** A daemon thread reads standard input to its end, then halts the JVM at once. */
  private static void exitWhenStdinCloses() {
    Thread watcher =
        new Thread(
            () -> {
              try {
                while (System.in.read() != -1) {
                  // Nothing is ever written to this pipe; reading only waits for its end.
                }
              } catch (Throwable ignored) {
                // A broken pipe means the parent is gone, as end of file does.
              }
              removeScratch();
              Runtime.getRuntime().halt(0);
            },
            "exit-on-stdin-eof");
    watcher.setDaemon(true);
    watcher.start();
  }

  /** Removes the directory named by {@code -Dloopback.scratch} and the files in it, if it is set. */
  private static void removeScratch() {
    String dir = System.getProperty("loopback.scratch");
    if (dir == null) return;
    File[] files = new File(dir).listFiles();
    if (files != null) {
      for (File file : files) file.delete();
    }
    new File(dir).delete();
  }

  private static boolean causes(Throwable error, Class<? extends Throwable> type) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (type.isInstance(cause)) return true;
    }
    return false;
  }

  private static String oneLine(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null) root = root.getCause();
    return (root.getClass().getSimpleName() + ": " + root.getMessage()).replaceAll("\\s+", " ");
  }
}
