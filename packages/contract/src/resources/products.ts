import { Type, type Static } from 'typebox';
import { Code, IdOrCode, Metadata, Name, Timestamp } from '../common.js';

export const Product = Type.Object(
  {
    id: Type.String(),
    code: Type.String(),
    name: Type.String(),
    metadata: Metadata,
    trialOfferingId: Type.Union([Type.String(), Type.Null()], { description: 'The offering POST /v1/client/trial grants' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'Product' },
);
export type Product = Static<typeof Product>;

export const ProductCreate = Type.Object({ code: Code, name: Name, metadata: Type.Optional(Metadata) }, { additionalProperties: false });
export type ProductCreate = Static<typeof ProductCreate>;

export const ProductPatch = Type.Object(
  {
    code: Type.Optional(Code),
    name: Type.Optional(Name),
    metadata: Type.Optional(Metadata),
    trialOfferingId: Type.Optional(Type.Union([IdOrCode, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ProductPatch = Static<typeof ProductPatch>;
