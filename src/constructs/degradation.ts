import type { Construct } from 'constructs';
import type { z } from 'zod';
import type { CallFallback as CallFallbackModel, Degradation as DegradationModel, DegradationSwitch as SwitchModel } from '../model/degradation';
import type { ServiceRef } from '../model/common';
import type { SourceLocation } from '../diagnostics/location';
import { WeftConstruct } from './base';
import { degradePropsSchema, fallbackPropsSchema, switchPropsSchema, type DegradeProps, type FallbackProps, type SwitchProps } from './props/degradation';

/**
 * The shape the degradation declarations share: a construct named after what it is about (the
 * switch, the callee: its `subject`), under an id prefix that keeps the kinds apart, whose props
 * are parsed once (an invalid one is a diagnostic, and then it has no model) and whose model is
 * built from them.
 */
abstract class DegradationDeclaration<S extends z.ZodType, M, T = undefined> extends WeftConstruct {
  private readonly props?: z.output<S>;

  protected constructor(scope: Construct, name: string, kind: { idPrefix: string; what: string; propsName: string }, schema: S, props: unknown, protected readonly subject: T) {
    super(scope, name, kind.idPrefix, 'dns-label', kind.what);
    this.props = this.parseProps(schema, props, kind.propsName);
  }

  /** The model of the parsed props, at this construct's path and location. */
  protected abstract modelOf(at: { path: string; location: SourceLocation }, props: z.output<S>): M;

  /** @internal */
  _toModel(): M | undefined {
    return this.props === undefined ? undefined : this.modelOf({ path: this.constructPath, location: this.location }, this.props);
  }
}

/**
 * A degradation switch (降级开关), declared with `mesh.switch(name, props)`. Its state is the
 * default, an environment's `switches` entry, or — in a weft environment — the switches file the
 * proxies hot-reload (`weft switch <name> on|off`). docs/degradation.md.
 */
export class DegradationSwitch extends DegradationDeclaration<typeof switchPropsSchema, SwitchModel> {
  constructor(scope: Construct, name: string, props: SwitchProps) {
    super(scope, name, { idPrefix: 'switch:', what: 'switch', propsName: 'switch' }, switchPropsSchema, props, undefined);
  }

  get name(): string {
    return this.declaredName.replace(/^switch:/, '');
  }

  protected modelOf(at: { path: string; location: SourceLocation }, p: z.output<typeof switchPropsSchema>): SwitchModel {
    return { ...at, name: this.name, description: p.description, default: p.default };
  }
}

/** `service.degrade(switch, props)`: while the switch is on, the service's calls to `calls` are answered without reaching them. */
export class Degradation extends DegradationDeclaration<typeof degradePropsSchema, DegradationModel, DegradationSwitch> {
  constructor(scope: Construct, sw: DegradationSwitch, props: DegradeProps) {
    super(scope, sw.name, { idPrefix: 'degrade:', what: 'degradation', propsName: 'degradation' }, degradePropsSchema, props, sw);
  }

  protected modelOf(at: { path: string; location: SourceLocation }, p: z.output<typeof degradePropsSchema>): DegradationModel {
    return { ...at, switch: this.subject.name, calls: p.calls, answer: p.answer };
  }
}

/**
 * `caller.fallbackFor(callee, props)`: what answers this caller's calls to `callee` when one fails
 * for a reason in `on`. For this caller it wins over the callee's route and service fallbacks.
 */
export class CallFallback extends DegradationDeclaration<typeof fallbackPropsSchema, CallFallbackModel, ServiceRef> {
  constructor(scope: Construct, callee: ServiceRef, props: FallbackProps) {
    super(scope, callee.name, { idPrefix: 'fallback-for:', what: 'call fallback', propsName: 'fallback' }, fallbackPropsSchema, props, callee);
  }

  protected modelOf(at: { path: string; location: SourceLocation }, p: z.output<typeof fallbackPropsSchema>): CallFallbackModel {
    return { ...at, callee: this.subject, fallback: p };
  }
}
