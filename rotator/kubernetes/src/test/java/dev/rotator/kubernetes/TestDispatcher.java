package dev.rotator.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.core.model.PodRef;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's CRUD mock, plus what the tests need from a real API server that the stock one lacks:
 *
 * <ul>
 *   <li>field selectors {@code spec.nodeName} and {@code status.phase} on LIST and on watches (the stock
 *       store only knows metadata.name/namespace and silently answers an empty list);
 *   <li>the Eviction subresource, answered from a per-test {@link EvictionScript} (201 also deletes the
 *       pod, as the API server's graceful deletion eventually does);
 *   <li>a log of every request served, so tests assert what was never sent (a pod DELETE);
 *   <li>a hook that lets "another writer" modify an object right before a PUT lands (409 on the PUT).
 * </ul>
 */
final class TestDispatcher extends KubernetesCrudDispatcher {

  /** One request as the server received it. */
  record Request(String method, String path, String body, String userAgent, long receivedNanos) {
    boolean isPodDelete() {
      return method.equals("DELETE") && path.contains("/pods");
    }

    boolean isEviction() {
      return method.equals("POST") && EVICTION.matcher(pathOnly(path)).matches();
    }
  }

  /** Answers an eviction; {@code attempt} counts from 1 per pod. */
  @FunctionalInterface
  interface EvictionScript {
    MockResponse answer(PodRef pod, int attempt);
  }

  static final Pattern EVICTION =
      Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/eviction");
  private static final List<String> CUSTOM_FIELDS = List.of("spec.nodeName", "status.phase");
  private static final ObjectMapper JSON = Serialization.jsonMapper();

  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Map<PodRef, AtomicInteger> evictionAttempts = new ConcurrentHashMap<>();
  private volatile EvictionScript evictionScript = (pod, attempt) -> created();
  private final List<UpdateHook> updateHooks = new CopyOnWriteArrayList<>();

  private record UpdateHook(String pathPrefix, String jsonPatch, AtomicInteger remaining) {}

  private record Failure(String method, String pathPrefix, MockResponse response, AtomicInteger remaining) {}

  private final List<Failure> failures = new CopyOnWriteArrayList<>();

  /** The next {@code times} requests with this method and path prefix get {@code response}. */
  void failNext(String method, String pathPrefix, MockResponse response, int times) {
    failures.add(new Failure(method, pathPrefix, response, new AtomicInteger(times)));
  }

  static MockResponse failure(int code, String reason, String message) {
    return new MockResponse().setResponseCode(code).setBody(status("Failure", code, reason, message, null));
  }

  // ---- test API

  List<Request> requests() {
    return List.copyOf(requests);
  }

  void forgetRequests() {
    requests.clear();
  }

  List<Request> podDeletes() {
    return requests.stream().filter(Request::isPodDelete).toList();
  }

  List<Request> evictions() {
    return requests.stream().filter(Request::isEviction).toList();
  }

  void evictionScript(EvictionScript script) {
    this.evictionScript = script;
  }

  int evictionAttempts(PodRef pod) {
    AtomicInteger n = evictionAttempts.get(pod);
    return n == null ? 0 : n.get();
  }

  /**
   * Before each of the next {@code times} PUTs whose path starts with {@code pathPrefix}, applies {@code
   * jsonPatch} to the stored object (bumping its resourceVersion), as a concurrent writer would. Each
   * {@code {n}} in the patch becomes the hook's count, so repeated writes really change the object.
   */
  void concurrentWriteBeforeUpdate(String pathPrefix, String jsonPatch, int times) {
    updateHooks.add(new UpdateHook(pathPrefix, jsonPatch, new AtomicInteger(times)));
  }

  static MockResponse created() {
    return new MockResponse().setResponseCode(201).setBody(status("Success", 201, "", "", null));
  }

  /** The API server's answer when a PDB allows no disruption (policy/v1, Kubernetes ≥ 1.18). */
  static MockResponse pdbBlocks(String pdbName, int needs, int has) {
    String cause =
        "{\"reason\":\"DisruptionBudget\",\"message\":\"The disruption budget "
            + pdbName + " needs " + needs + " healthy pods and has " + has + " currently\"}";
    return new MockResponse()
        .setResponseCode(429)
        .setBody(
            status(
                "Failure",
                429,
                "TooManyRequests",
                "Cannot evict pod as it would violate the pod's disruption budget.",
                "{\"causes\":[" + cause + "]}"));
  }

  static MockResponse serverError(String message) {
    return new MockResponse()
        .setResponseCode(500)
        .setBody(status("Failure", 500, "InternalError", message, null));
  }

  static MockResponse notFound(PodRef pod) {
    return new MockResponse()
        .setResponseCode(404)
        .setBody(status("Failure", 404, "NotFound", "pods \"" + pod.name() + "\" not found", null));
  }

  private static String status(String st, int code, String reason, String message, String details) {
    return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"" + st
        + "\",\"message\":\"" + message.replace("\"", "\\\"") + "\",\"reason\":\"" + reason
        + "\"" + (details == null ? "" : ",\"details\":" + details) + ",\"code\":" + code + "}";
  }

  // ---- dispatching

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes();
    requests.add(
        new Request(
            request.getMethod(),
            request.getPath(),
            new String(body, StandardCharsets.UTF_8),
            request.getHeader("User-Agent"),
            System.nanoTime()));
    for (Failure f : failures) {
      if (f.method().equals(request.getMethod())
          && pathOnly(request.getPath()).startsWith(f.pathPrefix())
          && f.remaining().getAndDecrement() > 0) {
        return f.response();
      }
    }
    return super.dispatch(request);
  }

  @Override
  public MockResponse handleCreate(RecordedRequest request) {
    Matcher m = EVICTION.matcher(pathOnly(request.getPath()));
    if (m.matches()) {
      return evict(new PodRef(m.group(1), m.group(2)));
    }
    return super.handleCreate(request);
  }

  private MockResponse evict(PodRef pod) {
    String podPath = "/api/v1/namespaces/" + pod.namespace() + "/pods/" + pod.name();
    if (super.handleGet(podPath).code() == 404) {
      return notFound(pod);
    }
    int attempt = evictionAttempts.computeIfAbsent(pod, p -> new AtomicInteger()).incrementAndGet();
    MockResponse answer = evictionScript.answer(pod, attempt);
    if (answer.code() == 201 || answer.code() == 200) {
      super.handleDelete(podPath);
    }
    return answer;
  }

  @Override
  public MockResponse handleUpdate(RecordedRequest request) {
    for (UpdateHook h : updateHooks) {
      if (pathOnly(request.getPath()).startsWith(h.pathPrefix()) && h.remaining().getAndDecrement() > 0) {
        // Applied straight to the store: an HTTP call from here would wait on this very event loop.
        super.handlePatch(
            new RecordedRequest(
                "HTTP/1.1",
                HttpMethod.PATCH,
                pathOnly(request.getPath()),
                Headers.builder().add("Content-Type", "application/json-patch+json").build(),
                new Buffer(
                    h.jsonPatch()
                        .replace("{n}", String.valueOf(h.remaining().get()))
                        .getBytes(StandardCharsets.UTF_8))));
      }
    }
    return super.handleUpdate(request);
  }

  @Override
  public MockResponse handleGet(String path) {
    List<String[]> custom = new ArrayList<>();
    String stripped = stripCustomFieldSelectors(path, custom);
    if (custom.isEmpty()) {
      return super.handleGet(path);
    }
    MockResponse response = super.handleGet(stripped);
    if (response.getWebSocketListener() != null) {
      return response.withWebSocketUpgrade(new FilteringWatch(response.getWebSocketListener(), custom));
    }
    if (response.code() != 200 || response.getBody() == null) {
      return response;
    }
    try {
      JsonNode list = JSON.readTree(response.getBody().getBytes());
      if (!(list.get("items") instanceof ArrayNode items)) {
        return response;
      }
      ArrayNode kept = JSON.createArrayNode();
      items.forEach(item -> {
        if (matches(item, custom)) {
          kept.add(item);
        }
      });
      ((ObjectNode) list).set("items", kept);
      return response.setBody(JSON.writeValueAsString(list));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("mock store returned unreadable JSON for " + path, e);
    }
  }

  static String pathOnly(String path) {
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }

  /** Removes spec.nodeName/status.phase requirements from the fieldSelector, collecting them. */
  static String stripCustomFieldSelectors(String path, List<String[]> custom) {
    int q = path.indexOf('?');
    if (q < 0) {
      return path;
    }
    List<String> params = new ArrayList<>();
    for (String param : path.substring(q + 1).split("&")) {
      if (!param.startsWith("fieldSelector=")) {
        params.add(param);
        continue;
      }
      String selector = URLDecoder.decode(param.substring("fieldSelector=".length()), StandardCharsets.UTF_8);
      List<String> kept = new ArrayList<>();
      for (String req : selector.split(",")) {
        String[] parsed = parseRequirement(req);
        if (parsed != null && CUSTOM_FIELDS.contains(parsed[0])) {
          custom.add(parsed);
        } else {
          kept.add(req);
        }
      }
      if (!kept.isEmpty()) {
        params.add("fieldSelector=" + java.net.URLEncoder.encode(String.join(",", kept), StandardCharsets.UTF_8));
      }
    }
    return path.substring(0, q) + (params.isEmpty() ? "" : "?" + String.join("&", params));
  }

  /** {field, op, value} with op "=" or "!=". */
  private static String[] parseRequirement(String req) {
    int ne = req.indexOf("!=");
    if (ne > 0) {
      return new String[] {req.substring(0, ne), "!=", req.substring(ne + 2)};
    }
    int eq = req.indexOf("==");
    if (eq > 0) {
      return new String[] {req.substring(0, eq), "=", req.substring(eq + 2)};
    }
    int e = req.indexOf('=');
    return e > 0 ? new String[] {req.substring(0, e), "=", req.substring(e + 1)} : null;
  }

  static boolean matches(JsonNode object, List<String[]> requirements) {
    for (String[] r : requirements) {
      JsonNode node = object;
      for (String part : r[0].split("\\.")) {
        node = node.path(part);
      }
      String actual = node.isMissingNode() || node.isNull() ? "" : node.asText();
      boolean equal = actual.equals(r[2]);
      if (equal != r[1].equals("=")) {
        return false;
      }
    }
    return true;
  }

  /** Passes on only the watch events whose object matches the field requirements. */
  private static final class FilteringWatch extends WebSocketListener {
    private final WebSocketListener delegate;
    private final List<String[]> requirements;
    private volatile FilteringSocket socket;

    FilteringWatch(WebSocketListener delegate, List<String[]> requirements) {
      this.delegate = delegate;
      this.requirements = requirements;
    }

    private synchronized WebSocket wrap(WebSocket ws) {
      if (socket == null || socket.inner != ws) {
        socket = new FilteringSocket(ws, requirements);
      }
      return socket;
    }

    @Override
    public void onBeforeAccept(WebSocket webSocket, Response response) {
      delegate.onBeforeAccept(wrap(webSocket), response);
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      delegate.onOpen(wrap(webSocket), response);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      delegate.onMessage(wrap(webSocket), text);
    }

    @Override
    public void onMessage(WebSocket webSocket, byte[] bytes) {
      delegate.onMessage(wrap(webSocket), bytes);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      WebSocket ws = wrap(webSocket);
      ((FilteringSocket) ws).closing = true;
      delegate.onClosing(ws, code, reason);
    }

    /*
     * The stock WatchEventsListener waits (up to a minute) on the event loop for its send executor to
     * drain, while a send on that executor waits for the event loop to complete the write: a client that
     * closes a watch right after an event was queued stalls the whole mock server. Running the close
     * handling off the event loop, and dropping sends once the socket is closing, avoids that.
     */
    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      WebSocket ws = wrap(webSocket);
      ((FilteringSocket) ws).closing = true;
      offEventLoop(() -> delegate.onClosed(ws, code, reason));
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable error, Response response) {
      WebSocket ws = wrap(webSocket);
      ((FilteringSocket) ws).closing = true;
      offEventLoop(() -> delegate.onFailure(ws, error, response));
    }

    private static void offEventLoop(Runnable r) {
      Thread t = new Thread(r, "mock-watch-close");
      t.setDaemon(true);
      t.start();
    }
  }

  private static final class FilteringSocket implements WebSocket {
    final WebSocket inner;
    volatile boolean closing;
    private final List<String[]> requirements;

    FilteringSocket(WebSocket inner, List<String[]> requirements) {
      this.inner = inner;
      this.requirements = requirements;
    }

    @Override
    public RecordedRequest request() {
      return inner.request();
    }

    @Override
    public boolean send(String text) {
      if (closing) {
        return false;
      }
      try {
        JsonNode event = JSON.readTree(text);
        JsonNode object = event.get("object");
        if (object != null && "Pod".equals(object.path("kind").asText()) && !matches(object, requirements)) {
          return true;
        }
      } catch (java.io.IOException e) {
        // Not a watch event: pass it on untouched.
      }
      return inner.send(text);
    }

    @Override
    public boolean send(byte[] bytes) {
      return send(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public boolean close(int code, String reason) {
      return inner.close(code, reason);
    }
  }
}
