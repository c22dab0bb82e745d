import { XMLBuilder } from 'fast-xml-parser';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { NlInfo, NlItem, NlList } from '../entities.js';

/**
 * The NetLicensing response envelope, in JSON (`Accept: application/json`) or XML (asked for, or
 * no Accept header at all, as the Java client sends). Every value is a string; `items.item` is an
 * array even when empty; info types are upper case in JSON and lower case in XML.
 */

export interface Paging {
  pageNumber: number;
  itemsNumber: number;
  totalPages: number;
  totalItems: number;
  hasNext: boolean;
}

export interface Envelope {
  items: NlItem[] | null;
  infos?: NlInfo[];
  ttl?: number | null;
  paging?: Paging;
}

const XMLNS = 'http://netlicensing.labs64.com/schema/context';
const xml = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', suppressEmptyNode: true });

export function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /application\/json/i.test(accept) && !/application\/xml|text\/xml/i.test(accept.split(',')[0] ?? '');
}

const jsonList = (l: NlList): unknown => ({
  property: l.properties.map(([name, value]) => ({ value, name })),
  list: l.lists.map(jsonList),
  name: l.name,
});

function toJson(e: Envelope): unknown {
  const p = e.paging;
  return {
    signature: null,
    infos: { info: (e.infos ?? []).map((i) => ({ value: i.value, id: i.id, type: i.type })) },
    items:
      e.items === null
        ? null
        : {
            item: e.items.map((i) => ({
              property: i.properties.map(([name, value]) => ({ value, name })),
              list: i.lists.map(jsonList),
              type: i.type,
            })),
            pagenumber: p ? String(p.pageNumber) : null,
            itemsnumber: p ? String(p.itemsNumber) : null,
            totalpages: p ? String(p.totalPages) : null,
            totalitems: p ? String(p.totalItems) : null,
            hasnext: p ? String(p.hasNext) : null,
          },
    id: null,
    ttl: e.ttl ? new Date(e.ttl).toISOString() : null,
  };
}

const xmlProps = (props: Array<[string, string]>) => props.map(([name, value]) => ({ '@_name': name, '#text': value }));
const xmlList = (l: NlList): unknown => ({ '@_name': l.name, property: xmlProps(l.properties), list: l.lists.map(xmlList) });

function toXml(e: Envelope): string {
  const p = e.paging;
  const body = {
    netlicensing: {
      '@_xmlns': XMLNS,
      ...(e.ttl ? { '@_ttl': new Date(e.ttl).toISOString() } : {}),
      infos: { info: (e.infos ?? []).map((i) => ({ '@_id': i.id, '@_type': i.type.toLowerCase(), '#text': i.value })) },
      ...(e.items === null
        ? {}
        : {
            items: {
              ...(p
                ? {
                    '@_pagenumber': String(p.pageNumber),
                    '@_itemsnumber': String(p.itemsNumber),
                    '@_totalpages': String(p.totalPages),
                    '@_totalitems': String(p.totalItems),
                    '@_hasnext': String(p.hasNext),
                  }
                : {}),
              item: e.items.map((i) => ({ '@_type': i.type, property: xmlProps(i.properties), list: i.lists.map(xmlList) })),
            },
          }),
    },
  };
  return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + (xml.build(body) as string);
}

export function sendEnvelope(request: FastifyRequest, reply: FastifyReply, status: number, envelope: Envelope): FastifyReply {
  reply.code(status);
  if (wantsJson(request)) return reply.type('application/json; charset=utf-8').send(JSON.stringify(toJson(envelope)));
  return reply.type('application/xml; charset=utf-8').send(toXml(envelope));
}
