/** The FlowForge mark: three steps joined, in the accent colour. */
export function Logo({ size = 26 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden>
      <rect width="32" height="32" rx="8" fill="#4f46e5" />
      <circle cx="10" cy="16" r="3.5" fill="#fff" />
      <circle cx="22" cy="9.5" r="3.5" fill="#fff" />
      <circle cx="22" cy="22.5" r="3.5" fill="#fff" />
      <path d="M13 15l6-4M13 17l6 4" stroke="#fff" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}
