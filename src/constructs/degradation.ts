import type { Construct } from 'constructs';
import type { Degradation as DegradationModel, DegradationSwitch as SwitchModel } from '../model/degradation';
import { WeftConstruct } from './base';
import { degradePropsSchema, switchPropsSchema, type DegradeProps, type SwitchProps } from './props/degradation';

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
