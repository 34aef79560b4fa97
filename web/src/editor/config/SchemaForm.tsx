import { useState } from 'react';
import { ChevronRight, Plus, Trash2 } from 'lucide-react';
import { isObject } from '../model';
import { executionSettingNames, fieldKind, joinPath, labelOf, setProperty, type JsonSchema } from './schema';
import { fieldId, useFieldMessages } from './FieldShell';
import { BooleanField, DurationField, EnumField, NumberField, TextField, type FieldProps } from './ScalarFields';
import { AnyField, EnumListField, JsonField, MapField, TagsField } from './CollectionFields';
import { ConditionBuilder } from './ConditionBuilder';
import { isTemplate } from './values';

interface FormProps {
  schema: JsonSchema;
  value: Record<string, unknown>;
  onChange(value: Record<string, unknown>): void;
  /** Makes field ids unique per step, so labels stay tied to their inputs when the selection changes. */
  idPrefix: string;
}

/**
 * A node's config form, rendered from its JSON Schema: the node's own fields in schema order, then the shared
 * execution settings (retry, timeout, on error) folded into one section. Only edited properties are written:
 * defaults show as placeholders, and clearing a field removes it.
 */
export function SchemaForm({ schema, value, onChange, idPrefix }: FormProps) {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const execution = executionSettingNames(properties);
  const own = Object.keys(properties).filter((n) => !execution.has(n));
  const field = (name: string) => (
    <SchemaField
      key={name}
      name={name}
      schema={properties[name]}
      value={value[name]}
      required={required.has(name)}
      path={name}
      idPrefix={idPrefix}
      onChange={(v) => onChange(setProperty(value, name, v))}
    />
  );
  return (
    <div className="cfg-form">
      {own.length === 0 && <p className="cfg-empty">This step has nothing to configure.</p>}
      {own.map(field)}
      {execution.size > 0 && (
        <Collapsible title="Execution settings" summary="Retries, timeout, on error" open={[...execution].some((n) => value[n] !== undefined)}>
          {[...execution].map(field)}
        </Collapsible>
      )}
    </div>
  );
}

function Collapsible({ title, summary, open: initiallyOpen, children }: { title: string; summary: string; open: boolean; children: React.ReactNode }) {
  const [open, setOpen] = useState(initiallyOpen);
  return (
    <section className="cfg-section" aria-label={title}>
      <button type="button" className="cfg-section-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <ChevronRight size={16} aria-hidden className="cfg-chevron" />
        <span className="cfg-section-title">{title}</span>
        {!open && <span className="cfg-section-summary">{summary}</span>}
      </button>
      {open && <div className="cfg-section-body">{children}</div>}
    </section>
  );
}

/** One property, edited by the control its schema calls for (see {@link fieldKind}). */
export function SchemaField(props: FieldProps) {
  const kind = fieldKind(props.name, props.schema);
  // A template stands in for any value (resolved at run time), so a templated number or list is edited as text.
  if (typeof props.value === 'string' && isTemplate(props.value) && ['number', 'integer', 'boolean', 'enum', 'map', 'objectList', 'stringList', 'enumList', 'fieldset', 'json'].includes(kind)) {
    return <TextField {...props} multiline={false} />;
  }
  switch (kind) {
    case 'text':
      return <TextField {...props} multiline={false} />;
    case 'multiline':
      return <TextField {...props} multiline />;
    case 'number':
      return <NumberField {...props} integer={false} />;
    case 'integer':
      return <NumberField {...props} integer />;
    case 'boolean':
      return <BooleanField {...props} />;
    case 'enum':
      return <EnumField {...props} />;
    case 'duration':
      return <DurationField {...props} />;
    case 'fieldset':
      return <Fieldset {...props} />;
    case 'map':
      return <MapField {...props} />;
    case 'objectList':
      return <ObjectList {...props} />;
    case 'stringList':
      return <TagsField {...props} />;
    case 'enumList':
      return <EnumListField {...props} />;
    case 'condition':
    case 'filter':
      return <ConditionBuilder {...props} kind={kind} />;
    case 'any':
      return <AnyField {...props} />;
    default:
      return <JsonField {...props} />;
  }
}

/** An object with declared properties: a fieldset of its fields; emptied, it is removed. */
function Fieldset(props: FieldProps) {
  const obj = isObject(props.value) ? props.value : {};
  const properties = props.schema.properties ?? {};
  const required = new Set(props.schema.required ?? []);
  const { errors } = useFieldMessages(props.path);
  return (
    <fieldset className="cfg-fieldset" id={fieldId(props.idPrefix, props.path)}>
      <legend className="cfg-legend">{labelOf(props.name, props.schema)}</legend>
      {props.schema.description && <p className="field-help cfg-fieldset-help">{props.schema.description}</p>}
      {errors.map((e, i) => (
        <div className="field-error" key={i}>
          {e}
        </div>
      ))}
      {Object.entries(properties).map(([name, schema]) => (
        <SchemaField
          key={name}
          name={name}
          schema={schema}
          value={obj[name]}
          required={required.has(name)}
          path={joinPath(props.path, name)}
          idPrefix={props.idPrefix}
          onChange={(v) => {
            const next = setProperty(obj, name, v);
            props.onChange(Object.keys(next).length ? next : undefined);
          }}
        />
      ))}
    </fieldset>
  );
}

/** An array of objects (A/B variants, intents): one card per item with its fields, add and remove. */
function ObjectList(props: FieldProps) {
  const items = Array.isArray(props.value) ? props.value : [];
  const itemSchema = props.schema.items ?? {};
  const properties = itemSchema.properties ?? {};
  const required = new Set(itemSchema.required ?? []);
  const label = labelOf(props.name, props.schema);
  const singular = label.replace(/s$/, '');
  const id = fieldId(props.idPrefix, props.path);
  const { errors } = useFieldMessages(props.path);
  const write = (next: unknown[]) => props.onChange(next.length ? next : undefined);
  return (
    <fieldset className="cfg-fieldset cfg-list" id={id}>
      <legend className="cfg-legend">
        {label}
        {props.required && (
          <span className="required" aria-hidden>
            *
          </span>
        )}
      </legend>
      {props.schema.description && <p className="field-help cfg-fieldset-help">{props.schema.description}</p>}
      {errors.map((e, i) => (
        <div className="field-error" key={i}>
          {e}
        </div>
      ))}
      {items.map((item, i) => {
        const obj = isObject(item) ? item : {};
        const itemPath = joinPath(props.path, i);
        return (
          <div className="cfg-item" role="group" aria-label={`${singular} ${i + 1}`} key={i}>
            <div className="cfg-item-head">
              <span className="cfg-item-title">
                {singular} {i + 1}
              </span>
              <button type="button" className="btn btn-ghost btn-sm btn-icon" aria-label={`Remove ${singular.toLowerCase()} ${i + 1}`} onClick={() => write(items.filter((_, j) => j !== i))}>
                <Trash2 size={14} aria-hidden />
              </button>
            </div>
            <ItemErrors path={itemPath} />
            <div className="cfg-item-fields">
              {Object.entries(properties).map(([name, schema]) => (
                <SchemaField
                  key={name}
                  name={name}
                  schema={schema}
                  value={obj[name]}
                  required={required.has(name)}
                  path={joinPath(itemPath, name)}
                  idPrefix={props.idPrefix}
                  onChange={(v) => write(items.map((it, j) => (j === i ? setProperty(obj, name, v) : it)))}
                />
              ))}
            </div>
          </div>
        );
      })}
      <button type="button" className="btn btn-sm cfg-add" onClick={() => write([...items, {}])}>
        <Plus size={14} aria-hidden /> Add {singular.toLowerCase()}
      </button>
    </fieldset>
  );
}

function ItemErrors({ path }: { path: string }) {
  const { errors } = useFieldMessages(path);
  return (
    <>
      {errors.map((e, i) => (
        <div className="field-error" key={i}>
          {e}
        </div>
      ))}
    </>
  );
}
