// The IPC contract's types, generated from the Rust DTOs by ts-rs (ui/src/lib/bindings/, not
// edited by hand). Screens import from here so a rename shows up in one place.
export type { AppStatus } from './bindings/AppStatus';
export type { AuditDto } from './bindings/AuditDto';
export type { AuditEntryDto } from './bindings/AuditEntryDto';
export type { BrandDto } from './bindings/BrandDto';
export type { ChainState } from './bindings/ChainState';
export type { ChannelDto } from './bindings/ChannelDto';
export type { CommandError } from './bindings/CommandError';
export type { ErrorKind } from './bindings/ErrorKind';
export type { FieldDto } from './bindings/FieldDto';
export type { FieldGroup } from './bindings/FieldGroup';
export type { FieldSpecDto } from './bindings/FieldSpecDto';
export type { GrantDto } from './bindings/GrantDto';
export type { GrantPreviewDto } from './bindings/GrantPreviewDto';
export type { GrantRequestDto } from './bindings/GrantRequestDto';
export type { GrantState } from './bindings/GrantState';
export type { IssuedGrantDto } from './bindings/IssuedGrantDto';
export type { Locale } from './bindings/Locale';
export type { LockReason } from './bindings/LockReason';
export type { ReceiptDto } from './bindings/ReceiptDto';
export type { SaveWhat } from './bindings/SaveWhat';
export type { SettingsDto } from './bindings/SettingsDto';
export type { Strength } from './bindings/Strength';
