// The emulator's own SecurityCredential certificate and its private key: PUBLIC ON PURPOSE.
// They stand in for Safaricom's certificate so that the emulator can check initiator passwords the
// way Daraja does (docs/DARAJA.md §4): a caller encrypts the initiator password with this certificate,
// the emulator decrypts it with this key. Both are committed test fixtures, never a secret, never used
// for anything but the emulator's initiator check (no TLS, no signing). Generated once with
//   openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -sha256 \
//     -subj "/C=KE/O=M-PESA Checkout Daraja emulator (public test key, not Safaricom)/CN=daraja-emulator.invalid"

/** X.509 certificate (RSA-2048) to encrypt initiator passwords with for the emulator. */
export const EMULATOR_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIID1zCCAr+gAwIBAgIUXdBRvgWlHzeh+SnFTohiqh7xIqAwDQYJKoZIhvcNAQEL
BQAwejELMAkGA1UEBhMCS0UxSTBHBgNVBAoMQE0tUEVTQSBDaGVja291dCBEYXJh
amEgZW11bGF0b3IgKHB1YmxpYyB0ZXN0IGtleSwgbm90IFNhZmFyaWNvbSkxIDAe
BgNVBAMMF2RhcmFqYS1lbXVsYXRvci5pbnZhbGlkMCAXDTI2MTIwMzEzMzcxMVoY
DzIxMjYxMTA5MTMzNzExWjB6MQswCQYDVQQGEwJLRTFJMEcGA1UECgxATS1QRVNB
IENoZWNrb3V0IERhcmFqYSBlbXVsYXRvciAocHVibGljIHRlc3Qga2V5LCBub3Qg
U2FmYXJpY29tKTEgMB4GA1UEAwwXZGFyYWphLWVtdWxhdG9yLmludmFsaWQwggEi
MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDEeiH9CqxhUcQ8x0aJA4ejYHGu
YIzcYdI/bL7t96mw5nz9hf/BJocfP+PP6cJc1GbS14n5b74pNJbxqO4n9zhahKrd
+aPaUfeGVtA0M/ZdcCamgRWwQKcX2FHqNQ7l4DbCvBc0J9T6R/BkTncoVo3dIoq7
7WQpHoCDzMZaUkmqZRxZcvMe+yAT/2AeY0V//7K4lMNu5wg7fqCEtXHFSTPMzqoU
6hoOquQAcht3gJEHgbun51Fj+5cKgwcccAEYuBSbaqo2fOZdmvDxhZSWfHXIlzj2
0IXe+in+d5eSO+mecKV6zjh+4CitbekPh8OTTYfGrzPzCg3I67kmSmkjb815AgMB
AAGjUzBRMB0GA1UdDgQWBBSUu+U8wLRPr2qqi8vwoKkhUqlwCjAfBgNVHSMEGDAW
gBSUu+U8wLRPr2qqi8vwoKkhUqlwCjAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3
DQEBCwUAA4IBAQA/0cHaRfmjggmPOIO9fvfCKB1kp3QOxDDrmGC1ZzEfSRcL4QID
AYO6jYjfgpw2XfRjd3lTbHMNomnB3zHt+V1NfLMAYAUxQMWZhtewkp8sled/YlbZ
9VmO31GudO2TIb0Cs++kI0FBD1zYNphjhlLboOcP2SQYh0qU7jYQa10DMuUBq3xp
s10jKNrL8+pF8qJcS2ivVuDdnA/+zsDwL8TWVSHZdUp1S+5EOmGBjpJKKfpB9dZc
my8GDIhiUqL2czQEfrZINvP54JDzuyLx/RTPh0PFc1FmFFq2Hhks1yuDvV3PQvDd
MIicWPRhJ8FRA8CnjvR/MJCpFDtQ3492N0CR
-----END CERTIFICATE-----
`;

/** Its private key: the emulator's half (public on purpose, see above). */
export const EMULATOR_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDEeiH9CqxhUcQ8
x0aJA4ejYHGuYIzcYdI/bL7t96mw5nz9hf/BJocfP+PP6cJc1GbS14n5b74pNJbx
qO4n9zhahKrd+aPaUfeGVtA0M/ZdcCamgRWwQKcX2FHqNQ7l4DbCvBc0J9T6R/Bk
TncoVo3dIoq77WQpHoCDzMZaUkmqZRxZcvMe+yAT/2AeY0V//7K4lMNu5wg7fqCE
tXHFSTPMzqoU6hoOquQAcht3gJEHgbun51Fj+5cKgwcccAEYuBSbaqo2fOZdmvDx
hZSWfHXIlzj20IXe+in+d5eSO+mecKV6zjh+4CitbekPh8OTTYfGrzPzCg3I67km
Smkjb815AgMBAAECggEALqdIkE8bQQ2bIQp5iXnE2KrDO7KR6BezRpuyF4v+J3MH
fWS25tyY67buR5WccRH/a3PCP7BEsYCbEf14tZU6tKW5c/V97o6Vjbjp/edTyfqi
NtnCdmRXuO4E/23DYJrVrfZfNSN7K0XvQ0Ytfa7Vx0tXMYoMRUZIomM6u0I8W0D1
zSJoLmbnkWDi6WFT5YMCfAoOD/BJhROqPCkHeet+ZZgMurkeApcTRysR+VLqe+80
gtRfxOpB9bTA2BflcOT8SmaiRopoMlqfhbUNhZIudYqVVZ/SVLib5AyQufTNpdPX
E01BnXOzU41479T181igqV0/0BcWjJLK9Ec0CiSuzQKBgQDwpx2w0WYffnTfTC+t
p99uZ6KvADCaH2kCODMP+RsMVyk8P3ppo/QGrO6m7kd9wtX02WgzcFbusDBmtOyC
sw5EVCJZvfENfEgSEJh8CGC2FHfPGvhZP+RJknXodFDdGFPBOcKEbXaBOY3gRxHN
cHRwxHemH2iP/6uNrVSFoXOzjQKBgQDRAc55XtVLuc2RR5bKLnwm1f9TMhlJWVbc
Qj993gNit546AXofiYVQPOJT2sQn5UiCsDJKhiKhTelROd8jsSb2aJ7vpvRamNZP
C7AwHUuMthmmTZTNODmZ9ARFPp8XOQvQOi4sQKuJy9kViAeU4iaRY4xkEtgG4flx
s/ly+uFwnQKBgQDubmT4Xz+zTHM3GiDTCVRR6tRAVwvQZ/Z+gHf3B3RJEcKFMs9y
A0Mvqf753XNvoq6hXRXkgRVgf6g02mTKSeWExWcTSyGdntk5LMAng5VuUXEy/SG6
K5dfXYD8wuGrbQLumu+ijWGwPvnWkBOPXC/B2qZBLTVIFqQ+RtFLZN9hsQKBgF/c
z0H10CjyaKnoxu2m0oTRhFE5WkW9N0zBCfQGH1Fo3KbIRKYwYjgCJODHJ08RJ+fh
Pr/VtA59+LSrsX/iYfeE1tken1bqYOlSeBYpaZx5bVxMmyJhVnIZbNgBt+Bj5toz
xTfA1azXFZN9l9SewYfPu/Wueuz1On7/SDuHfF01AoGBAIeDKpFYR1baW+69yw5H
pOESdIXJNZVvjt455cvQoW1TtWBCjJRkilGeRjwQCa4JBIBTJl8PEkDpJedNiBc/
DSZKTMfZHSjKCzTd4vnmPPV45TtTYKQ4PrLi2wbKc2HQ+W9d3ncz1l7KAi6ilmUx
Yzu7heZ4werZYF2b8ZApdYk6
-----END PRIVATE KEY-----
`;
