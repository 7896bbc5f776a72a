import type { Construct } from 'constructs';
import type { CallFallback as CallFallbackModel, Degradation as DegradationModel, DegradationSwitch as SwitchModel } from '../model/degradation';
import type { ServiceRef } from '../model/common';
import { WeftConstruct } from './base';
import { degradePropsSchema, fallbackPropsSchema, switchPropsSchema, type DegradeProps, type FallbackProps, type SwitchProps } from './props/degradation';

/**
 * A degradation switch (降级开关), declared with `mesh.switch(name, props)`. Its state is the
 * default, an environment's `switches` entry, or — in a weft environment — the switches file the
 * proxies hot-reload (`weft switch <name> on|off`). docs/degradation.md.
 */
export class DegradationSwitch extends WeftConstruct {
  private readonly props?: ReturnType<typeof switchPropsSchema.parse>;

  constructor(scope: Construct, name: string, props: SwitchProps) {
    super(scope, name, 'switch:', 'dns-label', 'switch');
    this.props = this.parseProps(switchPropsSchema, props, 'switch');
  }

  get name(): string {
    return this.declaredName.replace(/^switch:/, '');
  }

  /** @internal */
  _toModel(): SwitchModel | undefined {
    const p = this.props;
    if (!p) return undefined;
    return { path: this.constructPath, location: this.location, name: this.name, description: p.description, default: p.default };
  }
}

/** `service.degrade(switch, props)`: while the switch is on, the service's calls to `calls` are answered without reaching them. */
export class Degradation extends WeftConstruct {
  private readonly props?: ReturnType<typeof degradePropsSchema.parse>;

  constructor(
    scope: Construct,
    private readonly sw: DegradationSwitch,
    props: DegradeProps,
  ) {
    super(scope, sw.name, 'degrade:', 'dns-label', 'degradation');
    this.props = this.parseProps(degradePropsSchema, props, 'degradation');
  }

  /** @internal */
  _toModel(): DegradationModel | undefined {
    const p = this.props;
    if (!p) return undefined;
    return { path: this.constructPath, location: this.location, switch: this.sw.name, calls: p.calls, answer: p.answer };
  }
}

/**
 * `caller.fallbackFor(callee, props)`: what answers this caller's calls to `callee` when one fails
 * for a reason in `on`. For this caller it wins over the callee's route and service fallbacks.
 */
export class CallFallback extends WeftConstruct {
  private readonly props?: ReturnType<typeof fallbackPropsSchema.parse>;

  constructor(
    scope: Construct,
    private readonly callee: ServiceRef,
    props: FallbackProps,
  ) {
    super(scope, callee.name, 'fallback-for:', 'dns-label', 'call fallback');
    this.props = this.parseProps(fallbackPropsSchema, props, 'fallback');
  }

  /** @internal */
  _toModel(): CallFallbackModel | undefined {
    const p = this.props;
    if (!p) return undefined;
    return { path: this.constructPath, location: this.location, callee: this.callee, fallback: p };
  }
}
