/** A plain, printable summary of the adapter and device the runtime runs on. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** 'vulkan', 'opengles', 'browser', ... as chosen by the provider. */
  backend: string;
  isFallbackAdapter: boolean;
  /** Features enabled on the device. */
  features: string[];
  /** Features the adapter offers. */
  adapterFeatures: string[];
  limits: Record<string, number>;
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
}

const LIMIT_NAMES = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage', 'maxUniformBufferBindingSize', 'minUniformBufferOffsetAlignment',
  'minStorageBufferOffsetAlignment', 'maxBindGroups',
] as const;

export function summarizeAdapter(adapter: GPUAdapter, device: GPUDevice, backend: string): AdapterSummary {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const limits: Record<string, number> = {};
  for (const n of LIMIT_NAMES) limits[n] = Number((device.limits as unknown as Record<string, number>)[n]);
  const anyInfo = info as unknown as Record<string, unknown> | undefined;
  return {
    vendor: String(info?.vendor ?? ''),
    architecture: String(info?.architecture ?? ''),
    device: String(info?.device ?? ''),
    description: String(info?.description ?? ''),
    backend,
    isFallbackAdapter: Boolean((adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? anyInfo?.isFallbackAdapter ?? false),
    features: [...device.features].map(String).sort(),
    adapterFeatures: [...adapter.features].map(String).sort(),
    limits,
    subgroupMinSize: typeof anyInfo?.subgroupMinSize === 'number' ? anyInfo.subgroupMinSize : undefined,
    subgroupMaxSize: typeof anyInfo?.subgroupMaxSize === 'number' ? anyInfo.subgroupMaxSize : undefined,
  };
}

export function formatAdapter(s: AdapterSummary): string {
  const name = [s.vendor, s.architecture, s.device].filter(Boolean).join(' / ') || '(unnamed adapter)';
  const lines = [
    `adapter:   ${name}`,
    `driver:    ${s.description || '(none reported)'}`,
    `backend:   ${s.backend}${s.isFallbackAdapter ? ' (fallback adapter)' : ''}`,
    `features:  ${s.features.join(', ') || '(core only)'}`,
  ];
  if (s.subgroupMinSize) lines.push(`subgroups: ${s.subgroupMinSize}..${s.subgroupMaxSize}`);
  lines.push('limits:');
  for (const [k, v] of Object.entries(s.limits)) lines.push(`  ${k.padEnd(36)} ${v}`);
  return lines.join('\n');
}
