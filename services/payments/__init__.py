"""Fees: PromptPay QR (Thai QR Payment), the payment-provider interface, the signed bank
callback, fee exemptions and signed receipts."""
