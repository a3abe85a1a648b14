package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParseException;
import dev.tollgate.budget.SpendRecord.Attempt;
import dev.tollgate.common.GatewayException;
import io.vertx.core.http.HttpClosedException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpendRecordTest {
  static SpendRecord served() {
    return new SpendRecord(
        "r1",
        1,
        "hash",
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        "gpt-4o",
        Optional.of("b"),
        Optional.of("openai/gpt-4o"),
        "priced",
        "catalog",
        10,
        2,
        0,
        0,
        0,
        OptionalLong.of(5),
        UsageSource.PROVIDER,
        200,
        Optional.empty(),
        3,
        false);
  }

  static final Attempt FAILED = new Attempt("gpt-4o", "a", 429, Optional.of("RateLimitError"));
  static final Attempt SERVED = new Attempt("gpt-4o", "b", 200, Optional.empty());

  @Test
  void constructor_oldParameterList_hasNoAttempts() {
    assertThat(served().attempts()).isEmpty();
  }

  @Test
  void withAttempts_two_keepsThemInOrder() {
    assertThat(served().withAttempts(List.of(FAILED, SERVED)).attempts())
        .containsExactly(FAILED, SERVED);
  }

  @Test
  void withAttempts_one_isKeptAsNone() {
    assertThat(served().withAttempts(List.of(SERVED)).attempts()).isEmpty();
  }

  @Test
  void withAttempts_mutableList_isCopied() {
    List<Attempt> list = new ArrayList<>(List.of(FAILED, SERVED));
    SpendRecord r = served().withAttempts(list);
    list.clear();
    assertThat(r.attempts()).containsExactly(FAILED, SERVED);
  }

  @Test
  void failed_takesStatusAndClassFromTheError() {
    assertThat(Attempt.failed("g", "d", GatewayException.timeout("slow")))
        .isEqualTo(new Attempt("g", "d", 504, Optional.of("Timeout")));
  }

  @ParameterizedTest
  @CsvSource({
    // the gateway's own denials of an attempt: a spent budget, a reached rate limit
    "429, budget_exceeded,       deployment_budget_exceeded,       BudgetExceededError",
    "429, budget_exceeded,       key_budget_exceeded,              BudgetExceededError",
    "429, rate_limit_exceeded,   deployment_rpm_limit_exceeded,    BudgetExceededError",
    "429, rate_limit_exceeded,   key_max_parallel_requests_exceeded, BudgetExceededError",
    // an upstream's 429: OpenAI's passes through, Anthropic's is translated
    "429, rate_limit_error,      ,                                 RateLimitError",
    "429, rate_limit_exceeded,   rate_limit_error,                 RateLimitError",
    "400, invalid_request_error, ,                                 BadRequestError",
    "400, invalid_request_error, context_length_exceeded,          ContextWindowExceededError",
    "400, invalid_request_error, content_filter,                   ContentPolicyViolationError",
    "400, upstream_error,        content_policy_violation,         ContentPolicyViolationError",
    "401, authentication_error,  invalid_api_key,                  AuthenticationError",
    "403, permission_error,      customer_blocked,                 PermissionDeniedError",
    "404, not_found_error,       ,                                 NotFoundError",
    "408, upstream_error,        ,                                 Timeout",
    "504, timeout,               upstream_timeout,                 Timeout",
    "502, api_error,             timeout_error,                    Timeout",
    "413, invalid_request_error, request_too_large,                BadRequestError",
    "402, billing_error,         billing_error,                    BadRequestError",
    "422, upstream_error,        ,                                 UnprocessableEntityError",
    "502, api_error,             upstream_unavailable,             InternalServerError",
    "502, api_error,             api_error,                        InternalServerError",
    "529, overloaded_error,      overloaded_error,                 InternalServerError",
    "500, internal_error,        ,                                 InternalServerError",
    "503, service_unavailable,   budget_counters_unavailable,      ServiceUnavailableError",
  })
  void errorClass_statusTypeAndCode_litellmName(
      int status, String type, @Nullable String code, String expected) {
    GatewayException e = GatewayException.of(status, type, null, code, "m");
    assertThat(Attempt.errorClass(e)).hasValue(expected);
  }

  @Test
  void errorClass_upstreamUnreachableOrConnectionClosed_apiConnectionError() {
    assertThat(
            Attempt.errorClass(
                GatewayException.badGateway("could not connect", new ConnectException("refused"))))
        .hasValue("APIConnectionError");
    assertThat(
            Attempt.errorClass(
                GatewayException.badGateway(
                    "failed mid-stream", new HttpClosedException("closed"))))
        .hasValue("APIConnectionError");
  }

  @Test
  void errorClass_answerNotJson_internalServerError() {
    GatewayException e =
        GatewayException.badGateway(
            "the upstream's chat answer is not JSON", new JsonParseException(null, "bad"));
    assertThat(Attempt.errorClass(e)).hasValue("InternalServerError");
  }

  @Test
  void errorClass_upstream5xx_internalServerError() {
    assertThat(Attempt.errorClass(GatewayException.badGateway("upstream returned 500", null)))
        .hasValue("InternalServerError");
    assertThat(Attempt.errorClass(GatewayException.upstream(500, "boom", null)))
        .hasValue("InternalServerError");
    assertThat(Attempt.errorClass(GatewayException.upstream(503, "busy", null)))
        .hasValue("ServiceUnavailableError");
  }

  @Test
  void errorClass_clientClosed_none() {
    assertThat(Attempt.errorClass(GatewayException.clientClosed())).isEmpty();
  }
}
