"""What every app may use and that uses no app: personal-data encryption, rate limits, request
middleware, logging, uploads, Excel files and small form and view helpers."""
