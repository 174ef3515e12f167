// Placeholder replaced at merge time.
export function crashSnapshot(): void {}
