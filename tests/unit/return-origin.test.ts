import { describe, expect, test } from "vitest";
import { allowedReturnOrigin } from "#services/stripe";

describe("where Checkout returns the donor", () => {
  const development = { appUrl: "http://localhost:3000", production: false, demo: false };
  const production = { appUrl: "https://gopsuc.vn", production: true, demo: false };
  const localDemo = { appUrl: "http://localhost:3000", production: true, demo: true };

  test("APP_URL's own origin is always allowed", () => {
    expect(allowedReturnOrigin("https://gopsuc.vn", production)).toBe("https://gopsuc.vn");
    expect(allowedReturnOrigin("http://localhost:3000", development)).toBe("http://localhost:3000");
  });

  test("outside production, the loopback address the user opened, on any port", () => {
    expect(allowedReturnOrigin("http://127.0.0.1:3000", development)).toBe("http://127.0.0.1:3000");
    expect(allowedReturnOrigin("http://localhost:5173", development)).toBe("http://localhost:5173");
    expect(allowedReturnOrigin("http://[::1]:3000", development)).toBe("http://[::1]:3000");
  });

  test("the labelled demo on a loopback APP_URL allows loopback even when built for production", () => {
    expect(allowedReturnOrigin("http://127.0.0.1:3000", localDemo)).toBe("http://127.0.0.1:3000");
  });

  test("in production, loopback and every other host fall back to APP_URL", () => {
    expect(allowedReturnOrigin("http://127.0.0.1:3000", production)).toBe("https://gopsuc.vn");
    expect(allowedReturnOrigin("http://localhost:3000", production)).toBe("https://gopsuc.vn");
    expect(allowedReturnOrigin("https://gopsuc.vn.evil.example", production)).toBe("https://gopsuc.vn");
    expect(allowedReturnOrigin("http://gopsuc.vn", production)).toBe("https://gopsuc.vn"); // not the same origin
  });

  test("a host that only looks local, or no usable address, falls back to APP_URL", () => {
    expect(allowedReturnOrigin("http://localhost.evil.example", development)).toBe("http://localhost:3000");
    expect(allowedReturnOrigin("http://127.0.0.2:3000", development)).toBe("http://localhost:3000");
    expect(allowedReturnOrigin("http://192.168.1.20:3000", development)).toBe("http://localhost:3000");
    expect(allowedReturnOrigin("javascript:alert(1)", development)).toBe("http://localhost:3000");
    expect(allowedReturnOrigin("not a url", development)).toBe("http://localhost:3000");
    expect(allowedReturnOrigin(null, development)).toBe("http://localhost:3000");
  });
});
