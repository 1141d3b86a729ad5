*** Settings ***
Documentation       The specification of the sample LLM gateway, a FastAPI service that
...                 answers chat messages, streams a model's reply token by token (Server-Sent
...                 Events and JSON lines), runs background jobs, and reports its open streams
...                 and upstream calls on an ops endpoint. Its model is an upstream service that
...                 can be slow, rate-limited, failing or cut off; these suites replace it with
...                 a scripted fake and check, for each of those cases, what a user sees and
...                 that the gateway cleans up after itself. Each suite runs in process or over
...                 a real socket (``MODE``), with the same expectations.
